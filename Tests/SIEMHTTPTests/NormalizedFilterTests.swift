import Foundation
import Hummingbird
import HummingbirdTesting
import SIEMEngine
import SIEMStore
import Testing

@testable import SIEMHTTP

@Suite struct NormalizedFilterTests {
    static let lines = [
        "Mar 14 02:14:07 bastion sshd[48275]: Failed password for root from 10.0.0.5 port 39109 ssh2",
        "Mar 14 07:45:30 bastion sshd[49067]: Accepted publickey for carol from 10.0.0.6 port 55864 ssh2",
        #"10.0.0.5 - - [14/Mar/2026:18:02:09 +0000] "GET /wp-login.php HTTP/1.1" 404 162 "-" "curl/8""#,
    ]

    @Test func eventsAndSearchFilterOnNormalizedKeys() async throws {
        try await withSIEM { client, _ async throws in
            let body = Self.lines.map { line in
                let message = String(decoding: try! JSONEncoder().encode(line), as: UTF8.self)
                return #"{"source": "file", "host": "bastion", "message": \#(message)}"#
            }.joined(separator: "\n")
            let ingest = try await client.post("/ingest", body, contentType: "application/x-ndjson")
            #expect(ingest.status == .ok, "\(ingest.text)")

            let root = try await client.get("/events?user.name=root")
            #expect(root.items.count == 1)
            let event = try #require(root.items.first)
            let normalized = event["normalized"] as? [String: Any] ?? [:]
            #expect(normalized["source.ip"] as? String == "10.0.0.5")
            #expect(normalized["event.outcome"] as? String == "failure")
            #expect(event["log_type"] as? String == "auth")
            // The time comes from the line, not from the receive time.
            #expect((event["ts"] as? String)?.hasSuffix("T02:14:07.000Z") ?? false, "\(event["ts"] ?? "")")

            // A non-canonical spelling of the address finds the same events.
            let bySource = try await client.get("/events?source.ip=10.000.0.005")
            #expect(bySource.items.count == 2)
            let both = try await client.get("/events?source.ip=10.0.0.5&event.outcome=failure")
            #expect(both.items.count == 2)
            let web = try await client.get("/events?source.ip=10.0.0.5&http.response.status_code=404")
            #expect(web.items.compactMap { $0["message"] as? String } == [Self.lines[2]])
            #expect(try await client.get("/events?user.name=nobody").items.isEmpty)
            let search = try await client.get("/search?q=Accepted&user.name=carol")
            #expect(search.items.count == 1)
            #expect(try await client.get("/search?q=Accepted&user.name=root").items.isEmpty)

            expectError(try await client.get("/events?source.ip=not-an-ip"), .unprocessableContent)
            expectError(try await client.get("/events?fields.program=sshd"), .unprocessableContent)
            // A query SQLite would refuse (too deep an expression) is the client's mistake, not a 500.
            let most = (0..<64).map { "user.k\($0)=v" }.joined(separator: "&")
            #expect(try await client.get("/events?" + most).items.isEmpty)
            expectError(try await client.get("/events?\(most)&user.k64=v"), .unprocessableContent)
            let many = (0..<1200).map { "user.name=v\($0)" }.joined(separator: "&")
            expectError(try await client.get("/search?q=Accepted&" + many), .unprocessableContent)
        }
    }
}

@Suite struct LogTimeZoneTests {
    @Test func rfc3164TimesAreReadInTheConfiguredZone() async throws {
        try await withSIEM(configure: { $0.logTimeZone = TimeZone(identifier: "Europe/Berlin")! }) {
            client, _ async throws in
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            // 1 January, noon in Berlin (UTC+1) is 11:00 UTC; the year is inferred from the receive time.
            let body =
                #"{"message": "Jan  1 12:00:00 web01 sshd[1]: Failed password for root from 10.0.0.5 port 22 ssh2"}"#
            _ = try await client.post("/ingest", body)
            let event = try #require(try await client.get("/events").items.first)
            let ts = try #require(event["ts"] as? String)
            #expect(ts.hasSuffix("-01-01T11:00:00.000Z"), "\(ts)")
            #expect(ts.hasPrefix("\(year)") || ts.hasPrefix("\(year - 1)"), "\(ts)")
        }
    }

    @Test func badZoneIsAStartUpError() {
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration(environment: ["SIEM_LOG_TIMEZONE": "Mars/Olympus"])
        }
    }
}
