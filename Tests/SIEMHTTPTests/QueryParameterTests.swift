import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import SIEMHTTP

/// A query parameter a route does not take is refused by name: a typo must not return
/// unfiltered data.
@Suite struct QueryParameterTests {
    @Test func unknownParametersAreRefusedByName() async throws {
        try await withSIEM { client, _ async throws in
            try await client.post("/ingest", referenceEvent)
            let typo = try await client.get("/events?hots=web1")
            expectError(typo, .badRequest)
            #expect(typo.json["error"] as? String == "unknown_parameter")
            let detail = typo.json["detail"] as? String ?? ""
            #expect(detail.contains("`hots`") && detail.contains("`host`") && detail.contains("user.name"), "\(detail)")
            expectError(try await client.get("/events?log_type=web"), .badRequest)
            expectError(try await client.get("/search?q=admin&limt=5"), .badRequest)
            expectError(try await client.get("/alerts?severty=high"), .badRequest)
            expectError(try await client.get("/events/histogram?limit=5"), .badRequest)
            expectError(try await client.get("/stats?hour=1"), .badRequest)
            expectError(try await client.get("/ti/iocs?typ=ip"), .badRequest)
            expectError(try await client.get("/mdr/incidents?state=open"), .badRequest)
            expectError(try await client.get("/edr/endpoints?cursor=5"), .badRequest)
            let none = try await client.get("/edr/actions/history?agent=x")
            #expect((none.json["detail"] as? String)?.contains("`agent_id`") == true)
        }
    }

    @Test func acceptedParametersAndNormalizedKeysStillFilter() async throws {
        try await withSIEM { client, _ async throws in
            try await client.post("/ingest", referenceEvent)
            try await client.post("/ingest", #"{"message":"other","host":"web1"}"#)
            #expect(try await client.get("/events?host=demo-host").items.count == 1)
            #expect(try await client.get("/events?user.name=admin&limit=10").items.count == 1)
            #expect(try await client.get("/events?source.ip=10.0.0.5").items.count == 1)
            #expect(try await client.get("/search?q=other&host=web1").items.count == 1)
            #expect(try await client.get("/alerts?severity=medium&limit=5").status == .ok)
            #expect(try await client.get("/events/histogram?host=web1&buckets=4").status == .ok)
        }
    }
}
