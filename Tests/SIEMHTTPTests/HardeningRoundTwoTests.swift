import Foundation
import Hummingbird
import HummingbirdTesting
import SIEMTestSupport
import Testing

@testable import SIEMHTTP

/// Findings of the second security review (issue 15), each reproduced against a live server.
@Suite struct HardeningRoundTwoTests {
    /// Finding 2: a NUL byte inside a message no longer cuts what is stored, so the address and the
    /// text after it are searchable and shown.
    @Test func nulBytesKeepTheWholeMessage() async throws {
        try await withSIEM { client, _ async throws in
            let ingest = try await client.post(
                "/ingest",
                #"{"message":"Failed password for ro\u0000ot from 10.9.9.9 port 2222 ssh2","fields":{"program":"sshd"}}"#
            )
            #expect(ingest.status == .ok, "\(ingest.text)")
            let byAddress = try await client.get("/events?ip=10.9.9.9").items
            #expect(byAddress.count == 1)
            #expect(
                (byAddress.first?["message"] as? String)
                    == "Failed password for ro\u{0}ot from 10.9.9.9 port 2222 ssh2")
            #expect(try await client.get("/search?q=10.9.9.9").items.count == 1)
            #expect(try await client.get("/search?q=Failed").items.count == 1)
            // The normalizer reads past the NUL (flagged), so the sshd rules still see the line.
            #expect(try await client.get("/alerts?ip=10.9.9.9").items.count >= 1)
            // A NUL in a filter value is part of the value, not the end of it.
            expectError(try await client.get("/events?ip=10.9.9.9%00junk"), .unprocessableContent)
            #expect(try await client.get("/events?host=unknown%00x").items.isEmpty)
        }
    }

    /// Finding 5: a control character in a normalized-key filter name is a 422, not a 500.
    @Test func controlCharactersInFilterNamesAreRefused() async throws {
        try await withSIEM { client, _ async throws in
            expectError(try await client.get("/events?a.b%00=1"), .unprocessableContent)
            expectError(try await client.get("/events/histogram?a.b%00=1"), .unprocessableContent)
            expectError(try await client.get("/search?q=x&user.name%22%29=1"), .unprocessableContent)
        }
    }

    /// Finding 9: a query value is percent-decoded once: `%2561` is the text `%61`, not `a`.
    @Test func queryValuesAreDecodedOnce() async throws {
        try await withSIEM { client, _ async throws in
            try await client.post("/ingest", #"{"message":"one","host":"a"}"#)
            try await client.post("/ingest", #"{"message":"two","host":"%61"}"#)
            let items = try await client.get("/events?host=%2561").items
            #expect(items.map { $0["message"] as? String } == ["two"])
            #expect(try await client.get("/events?host=%61").items.map { $0["message"] as? String } == ["one"])
        }
    }

    /// Finding 9: HEAD answers every GET route with the GET's status and headers and no body.
    @Test func headAnswersGetRoutes() async throws {
        try await withLiveSIEM { server in
            for path in ["/health", "/events", "/openapi.json", "/"] {
                let response = try await server.call(.HEAD, path)
                #expect(response.status == 200, "HEAD \(path): \(response.status)")
                #expect(response.body.isEmpty)
            }
        }
    }

    /// Finding 4: `//ingest` is `/ingest` for every middleware: the rate limit applies to it.
    @Test func doubleSlashesMeetTheRateLimit() async throws {
        try await withLiveSIEM(environment: [
            "SIEM_RATE_LIMIT_ENABLED": "true", "SIEM_RATE_LIMIT_RPS": "0.01", "SIEM_RATE_LIMIT_BURST": "2",
        ]) { server in
            var statuses: [Int] = []
            for path in ["/ingest", "//ingest", "///ingest", "//ingest/"] {
                statuses.append(try await server.call(.POST, path, body: #"{"message":"x"}"#).status)
            }
            #expect(statuses.prefix(2).allSatisfy { $0 == 200 }, "\(statuses)")
            #expect(statuses.dropFirst(2).allSatisfy { $0 == 429 }, "\(statuses)")
        }
    }

    /// Finding 9: an absolute-form target names its host, and trusted-host checks apply to it.
    @Test func absoluteFormTargetsAreCheckedAgainstTrustedHosts() async throws {
        try await withLiveSIEM(environment: ["SIEM_TRUSTED_HOSTS": "127.0.0.1,localhost"]) { server in
            func exchange(_ target: String) async throws -> String {
                let connection = try await RawConnection.open(port: server.port)
                try await connection.send("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                return await connection.receive()
            }
            let other = try await exchange("http://evil.example/health")
            #expect(other.hasPrefix("HTTP/1.1 400"), "\(other.prefix(200))")
            #expect(other.contains("invalid_host"))
            let own = try await exchange("http://localhost/health")
            #expect(own.hasPrefix("HTTP/1.1 200"), "\(own.prefix(200))")
            let star = try await exchange("*")
            #expect(star.hasPrefix("HTTP/1.1 400"), "\(star.prefix(200))")
        }
    }

    /// Finding 7: a blank credential variable stops siemd instead of turning authentication off.
    @Test func blankCredentialsAreAConfigurationError() throws {
        for name in ["SIEM_API_KEY", "SIEM_BASIC_USER", "SIEM_BASIC_PASS"] {
            for blank in ["", "   "] {
                #expect(throws: ConfigurationError.self, "\(name)=\"\(blank)\"") {
                    try ServerConfiguration(environment: [name: blank])
                }
            }
        }
        #expect(try ServerConfiguration(environment: ["SIEM_API_KEY": "k"]).security.authEnabled)
    }
}

/// Finding 1: connections that hold a descriptor without using it are closed.
@Suite struct ConnectionTimeoutTests {
    static let environment = ["SIEM_IDLE_TIMEOUT": "1", "SIEM_REQUEST_HEAD_TIMEOUT": "1"]

    /// A slowloris head, one header byte every 300 ms, is cut off by the head deadline.
    @Test func aTrickledRequestHeadIsClosed() async throws {
        try await withLiveSIEM(environment: Self.environment) { server in
            let connection = try await RawConnection.open(port: server.port, timeout: 5)
            try await connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            let started = Date()
            var closed = false
            for _ in 0..<20 where !closed {
                try? await Task.sleep(for: .milliseconds(300))
                closed = (try? await connection.send("a")) == nil
            }
            if !closed { closed = await connection.isClosedByPeer() }
            #expect(closed, "a head trickled for 6 s was still open")
            #expect(Date().timeIntervalSince(started) < 4)
        }
    }

    /// A silent connection, and a keep-alive connection after its answer, close after the idle timeout.
    @Test func idleConnectionsAreClosed() async throws {
        try await withLiveSIEM(environment: Self.environment) { server in
            let silent = try await RawConnection.open(port: server.port, timeout: 5)
            #expect(await silent.isClosedByPeer())
            let keepAlive = try await RawConnection.open(port: server.port, timeout: 5)
            try await keepAlive.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let started = Date()
            let answer = await keepAlive.receive()
            #expect(answer.hasPrefix("HTTP/1.1 200"))
            #expect(Date().timeIntervalSince(started) < 3, "the idle connection was not closed")
        }
    }

    /// The head deadline ends with the head: a body that takes longer than it still arrives.
    @Test func aSlowBodyAfterACompleteHeadIsServed() async throws {
        // A longer head deadline than the other tests: a loaded machine (CI runs every suite at
        // once) can take over a second to read the head, which then counts against it.
        let environment = ["SIEM_IDLE_TIMEOUT": "10", "SIEM_REQUEST_HEAD_TIMEOUT": "2"]
        try await withLiveSIEM(environment: environment) { server in
            let connection = try await RawConnection.open(port: server.port, timeout: 5)
            let body = #"{"message":"slow body"}"#
            try await connection.send(
                "POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n")
            try? await Task.sleep(for: .milliseconds(3000))
            try await connection.send(body)
            #expect(await connection.receive().hasPrefix("HTTP/1.1 200"))
        }
    }
}
