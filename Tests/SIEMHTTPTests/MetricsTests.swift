import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import SIEMHTTP

@Suite struct MetricsTests {
    @Test func metricsCountIngestAndReadTheStore() async throws {
        try await withSIEM { client, _ async throws in
            let before = try await client.get("/metrics")
            #expect(before.status == .ok)
            #expect(before.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(before.text.contains("siem_events_ingested_total 0"))
            try await client.post("/ingest", referenceEvent)
            try await client.post(
                "/ingest", "{\"message\": \"a\"}\n{\"message\": \"b\"}", contentType: "application/x-ndjson")
            let after = try await client.get("/metrics").text
            #expect(after.contains("siem_ingest_batches_total 2"), "\(after)")
            #expect(after.contains("siem_events_ingested_total 3"))
            #expect(after.contains(#"siem_alerts_raised_total{severity="medium"} 2"#))
            #expect(after.contains(#"siem_alerts_raised_total{severity="critical"} 0"#))
            #expect(after.contains("siem_events_stored 3"))
            #expect(after.contains("siem_alerts_stored 2"))
            #expect(after.contains("siem_ingest_duration_seconds_count 2"))
        }
    }
}
