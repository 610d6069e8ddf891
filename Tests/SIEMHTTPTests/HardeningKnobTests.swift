import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import SIEMTestSupport
import Testing

@testable import SIEMHTTP

/// Trusted hosts, rate limiting and body limits through a live server.
@Suite struct HardeningKnobTests {
    @Test func trustedHostsAsInTheReferenceREADME() async throws {
        try await withLiveSIEM(environment: ["SIEM_TRUSTED_HOSTS": "127.0.0.1,localhost,VOLVIX.local"]) {
            server async throws in
            for host in [
                "VOLVIX.local:8000", "volvix.local", "VOLVIX.LOCAL:1", "localhost", "127.0.0.1:\(server.port)",
            ] {
                #expect(try await server.call("/health", headers: [("Host", host)]).status == 200, "\(host)")
            }
            for host in [
                "evil.example", "VOLVIX.local.evil.example", "evil.VOLVIX.local", "VOLVIX.local@evil.example",
                "VOLVIX.local:80x", "[::1]", "127.0.0.2", "",
            ] {
                let response = try await server.call("/health", headers: [("Host", host)])
                #expect(response.isError(400), "\(host): \(response.status) \(response.body)")
            }
            // A second Host header is refused rather than guessed between.
            let twice = [("Host", "VOLVIX.local"), ("Host", "evil.example")]
            #expect(try await server.call("/health", headers: twice).isError(400))
            // The check runs before routing and auth: every path answers 400.
            #expect(try await server.call(.POST, "/ingest", headers: [("Host", "evil")], body: "{}").isError(400))
            #expect(try await server.store.counts().events == 0)
        }
        try await withLiveSIEM(environment: ["SIEM_TRUSTED_HOSTS": "*.corp.example, [::1]"]) { server async throws in
            #expect(try await server.call("/health", headers: [("Host", "siem.corp.example")]).status == 200)
            #expect(try await server.call("/health", headers: [("Host", "[::1]:8000")]).status == 200)
            #expect(try await server.call("/health", headers: [("Host", "corp.example")]).isError(400))
            #expect(try await server.call("/health", headers: [("Host", "evilcorp.example")]).isError(400))
        }
        // Off: any Host is answered.
        try await withLiveSIEM { server async throws in
            #expect(try await server.call("/health", headers: [("Host", "evil.example")]).status == 200)
        }
    }

    @Test func rateLimitAdmitsWhatTheBucketHolds() async throws {
        let burst = 10
        let rate = 0.5
        let environment = [
            "SIEM_RATE_LIMIT_ENABLED": "true", "SIEM_RATE_LIMIT_RPS": "\(rate)", "SIEM_RATE_LIMIT_BURST": "\(burst)",
        ]
        try await withLiveSIEM(environment: environment) { server async throws in
            var admitted = 0
            var limited: [LiveResponse] = []
            let start = ContinuousClock.now
            var sent = 0
            var lastLimited = start
            // Until the bucket runs dry (bounded). The bounds below hold however slowly a loaded
            // machine answers: the bucket starts full, so the first `burst` requests pass, and
            // it can never have handed out more than it started with plus what refilled.
            while limited.isEmpty && sent < 6 * burst {
                let response = try await server.call(.POST, "/ingest", body: #"{"message": "r\#(sent)"}"#)
                sent += 1
                if response.status == 200 {
                    admitted += 1
                } else {
                    limited.append(response)
                    lastLimited = .now
                }
            }
            let elapsed = (ContinuousClock.now - start) / .seconds(1)
            let most = burst + Int((rate * elapsed).rounded(.up))
            #expect(!limited.isEmpty, "never limited after \(sent) requests in \(elapsed) s")
            #expect(
                (burst...most).contains(admitted), "admitted \(admitted), expected \(burst)...\(most) (\(elapsed) s)")
            // One token comes back every 1/rate seconds after the bucket was found empty.
            try await Task.sleep(until: lastLimited + .seconds(1 / rate) + .milliseconds(200))
            #expect(try await server.call(.POST, "/ingest", body: #"{"message": "refilled"}"#).status == 200)
            admitted += 1
            #expect(try await server.store.counts().events == admitted)
            for response in limited {
                #expect(response.isError(429), "\(response.body)")
                #expect(Int(response.headers.first(name: "retry-after") ?? "").map { $0 >= 1 } == true)
            }
            // Paths outside SIEM_RATE_LIMIT_PATHS are not limited.
            for _ in 0..<(burst * 3) { #expect(try await server.call("/events").status == 200) }
        }
        let slow = ["SIEM_RATE_LIMIT_ENABLED": "1", "SIEM_RATE_LIMIT_RPS": "0.001", "SIEM_RATE_LIMIT_BURST": "1"]
        try await withLiveSIEM(environment: slow) { server async throws in
            // /edr covers its subtree (refused before routing: 429), not /edrx. The first request
            // spends the only token and reaches the route (which refuses the empty body).
            let first = try await server.call(.POST, "/edr/telemetry", body: "{}")
            #expect(!first.isError(429) && (400..<500).contains(first.status), "\(first.body)")
            let refused = try await server.call(.GET, "/edr/endpoints")
            #expect(refused.isError(429))
            #expect(refused.headers.first(name: "retry-after") == "1000")
            #expect(try await server.call(.GET, "/edrx").isError(404))
            #expect(try await server.call(.GET, "/edrx").isError(404))
        }
        try await withLiveSIEM(environment: ["SIEM_RATE_LIMIT_RPS": "1", "SIEM_RATE_LIMIT_BURST": "1"]) {
            server async throws in
            for index in 0..<10 {
                #expect(try await server.call(.POST, "/ingest", body: #"{"message": "off \#(index)"}"#).status == 200)
            }
        }
    }

    @Test func declaredOversizeBodiesAre413OnEveryRoute() async throws {
        try await withLiveSIEM(environment: ["SIEM_MAX_BODY_BYTES": "1024"]) { server async throws in
            let big = #"{"message": "\#(String(repeating: "x", count: 2000))"}"#
            #expect(try await server.call(.POST, "/ingest", body: big).isError(413))
            #expect(try await server.call(.POST, "/no/such/route", body: big).isError(413))
            #expect(try await server.call(.POST, "/ingest", body: #"{"message": "fits"}"#).status == 200)
            #expect(try await server.store.counts().events == 1)
        }
    }

    @Test func defaultBodyLimitIsOneMebibyte() async throws {
        try await withLiveSIEM { server async throws in
            let over = String(repeating: " ", count: 1_048_577 - 2)
            #expect(try await server.call(.POST, "/ingest", body: "[" + over + "]").isError(413))
            let under = #"{"message": "m"}"# + String(repeating: " ", count: 1_048_576 - 16)
            #expect(try await server.call(.POST, "/ingest", body: under).status == 200)
        }
    }

    @Test func chunkedBodiesAre413OnceTheyGrowPastTheLimit() async throws {
        try await withLiveSIEM(environment: ["SIEM_MAX_BODY_BYTES": "1024"]) { server async throws in
            // 64 MiB of unknown length: answered long before it could all arrive or be buffered.
            var request = HTTPClientRequest(url: server.base + "/ingest")
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/x-ndjson")
            request.body = .stream(Chunks(count: 16_384, size: 4096), length: .unknown)
            let response = try await server.execute(request)
            #expect(response.isError(413), "\(response.status) \(response.body)")

            // A chunked body under the limit is read normally.
            var small = HTTPClientRequest(url: server.base + "/ingest")
            small.method = .POST
            small.headers.add(name: "content-type", value: "application/x-ndjson")
            let line = ByteBuffer(string: #"{"message": "chunked"}"# + "\n")
            small.body = .stream([line, line].asyncSequence, length: .unknown)
            #expect(try await server.execute(small).status == 200)
            #expect(try await server.store.counts().events == 2)
        }
    }
}

extension HardeningKnobTests {
    /// The limit holds for any handler that reads the body, however generously it reads.
    @Test func bodyLimitHoldsForEveryHandler() async throws {
        let router = Router()
        router.middlewares.add(ErrorMiddleware())
        router.middlewares.add(BodyLimitMiddleware(limit: 1024))
        router.post("/greedy") { request, _ in
            String(try await request.body.collect(upTo: .max).readableBytes)
        }
        try await Application(router: router).test(.live) { client async throws in
            let url = "http://127.0.0.1:\(client.port!)/greedy"
            func send(_ body: HTTPClientRequest.Body) async throws -> LiveResponse {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.body = body
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                return LiveResponse(status: Int(response.status.code), headers: response.headers, body: text)
            }
            #expect(try await send(.stream(Chunks(count: 1024, size: 1000), length: .unknown)).isError(413))
            #expect(try await send(.bytes(ByteBuffer(repeating: 0, count: 1025))).isError(413))
            #expect(try await send(.stream(Chunks(count: 1, size: 1024), length: .unknown)).body == "1024")
            #expect(try await send(.bytes(ByteBuffer(repeating: 0, count: 1024))).body == "1024")
        }
    }

    @Test(.timeLimit(.minutes(1))) func pathologicalRuleCannotStallIngest() async throws {
        let directory = try TemporaryDirectory()
        let rules = directory.url.appendingPathComponent("redos.yml")
        try """
        rules:
          - id: redos
            match: {regex: '^(a+)+$'}
          - id: many_a
            match: {contains: aaaa}
        """.write(to: rules, atomically: true, encoding: .utf8)
        try await withLiveSIEM(configure: { $0.rulesPath = rules.path }) { server async throws in
            let attack = String(repeating: "a", count: 60) + "!"
            let response = try await server.call(.POST, "/ingest", body: #"{"message": "\#(attack)"}"#)
            #expect(response.status == 200)
            let alerts = response.json["alerts"] as? [[String: Any]] ?? []
            #expect(alerts.compactMap { $0["rule_id"] as? String } == ["many_a"])
        }
        withExtendedLifetime(directory) {}
    }
}

extension Array where Element: Sendable {
    /// The elements as an async sequence.
    var asyncSequence: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
