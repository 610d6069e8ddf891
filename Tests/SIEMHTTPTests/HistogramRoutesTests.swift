import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import SIEMHTTP

@Suite struct HistogramRoutesTests {
    @Test func bucketsCountMatchingEventsInRange() async throws {
        try await withSIEM { client, _ async throws in
            let events = [
                #"{"message": "alpha one", "host": "web1", "ts": "2026-01-01T00:05:00Z"}"#,
                #"{"message": "alpha two", "host": "web2", "ts": "2026-01-01T00:15:00Z"}"#,
                #"{"message": "beta", "host": "web1", "ts": "2026-01-01T00:16:00Z"}"#,
                #"{"message": "alpha late", "host": "web1", "ts": "2026-01-01T01:30:00Z"}"#,
            ]
            let ingest = try await client.post(
                "/ingest", events.joined(separator: "\n"), contentType: "application/x-ndjson")
            #expect(ingest.status == .ok)
            let range = "since=2026-01-01T00:00:00Z&until=2026-01-01T01:00:00Z&buckets=6"

            let all = try await client.get("/events/histogram?\(range)")
            #expect(all.status == .ok, "\(all.text)")
            let buckets = try #require(all.json["buckets"] as? [[String: Any]])
            #expect(buckets.map { $0["count"] as? Int } == [1, 2, 0, 0, 0, 0])
            #expect((buckets.first?["start"] as? String)?.hasPrefix("2026-01-01T00:00:00") == true)
            #expect((buckets[1]["start"] as? String)?.hasPrefix("2026-01-01T00:10:00") == true)
            #expect(all.json["interval_seconds"] as? Double == 600)
            #expect(all.json["total"] as? Int == 3)

            let text = try await client.get("/events/histogram?\(range)&q=alpha")
            #expect((text.json["buckets"] as? [[String: Any]])?.map { $0["count"] as? Int } == [1, 1, 0, 0, 0, 0])
            let host = try await client.get("/events/histogram?\(range)&host=web1")
            #expect(host.json["total"] as? Int == 2)
            let both = try await client.get("/events/histogram?\(range)&host=web1&q=alpha")
            #expect(both.json["total"] as? Int == 1)
        }
    }

    @Test func rejectsBadParameters() async throws {
        try await withSIEM { client, _ async throws in
            expectError(try await client.get("/events/histogram?buckets=0"), .unprocessableContent)
            expectError(try await client.get("/events/histogram?buckets=501"), .unprocessableContent)
            expectError(
                try await client.get("/events/histogram?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z"),
                .unprocessableContent)
            expectError(try await client.get("/events/histogram?q=%28unbalanced"), .badRequest)
            let defaults = try await client.get("/events/histogram")
            #expect(defaults.status == .ok)
            #expect((defaults.json["buckets"] as? [Any])?.count == 60)
        }
    }
}
