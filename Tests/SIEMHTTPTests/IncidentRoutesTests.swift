import Foundation
import Hummingbird
import HummingbirdTesting
import SIEMEngine
import SIEMStore
import Testing

@testable import SIEMHTTP

@Suite struct IncidentRoutesTests {
    @Test func referenceWorkflowWithTimeline() async throws {
        try await withSIEM { client, _ async throws in
            let manual = try await client.post(
                "/mdr/incidents", #"{"title":"Suspicious activity","severity":"high","assigned_to":"analyst1"}"#)
            #expect(manual.status == .created, "\(manual.text)")
            #expect(manual.json["status"] as? String == "open")
            #expect(manual.json["assigned_to"] as? String == "analyst1")
            let manualID = try #require(manual.json["id"] as? Int)

            let ingest = try await client.post("/ingest", referenceEvent)
            let alert = try #require((ingest.json["alerts"] as? [[String: Any]])?.first)
            let alertID = try #require(alert["id"] as? Int)
            let fromAlert = try await client.post(
                "/mdr/incidents", #"{"alert_id": \#(alertID), "assigned_to": "analyst1"}"#)
            #expect(fromAlert.status == .created)
            #expect(fromAlert.json["title"] as? String == alert["title"] as? String)
            #expect(fromAlert.json["severity"] as? String == alert["severity"] as? String)
            #expect(fromAlert.json["alert_ids"] as? [Int] == [alertID])
            let id = try #require(fromAlert.json["id"] as? Int)

            #expect(try await client.get("/mdr/incidents?limit=50").items.count == 2)
            #expect(try await client.get("/mdr/incidents?severity=high").items.map { $0["id"] as? Int } == [manualID])

            let updated = try await client.post(
                "/mdr/incidents/\(id)", #"{"status":"acknowledged","assigned_to":"analyst2","actor":"lead"}"#)
            #expect(updated.json["status"] as? String == "acknowledged")
            #expect(updated.json["assigned_to"] as? String == "analyst2")
            let patched = try await client.execute(
                uri: "/mdr/incidents/\(id)", method: .patch, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"status":"false_positive","title":"Noise"}"#))
            #expect(patched.json["status"] as? String == "resolved")
            #expect(patched.json["resolution"] as? String == "false_positive")
            #expect(try await client.get("/mdr/incidents?status=open&limit=50").items.count == 1)

            let note = try await client.post("/mdr/incidents/\(id)/notes", #"{"author":"analyst1","note":"triaged"}"#)
            #expect(note.status == .created)

            let details = try await client.get("/mdr/incidents/\(id)")
            #expect(details.status == .ok)
            let alerts = try #require(details.json["alerts"] as? [[String: Any]])
            #expect(alerts.count == 1)
            #expect((alerts.first?["event"] as? [String: Any])?["host"] as? String == "demo-host")
            #expect((details.json["notes"] as? [[String: Any]])?.first?["note"] as? String == "triaged")
            let timeline = try #require(details.json["timeline"] as? [[String: Any]])
            let entries = timeline.map {
                "\($0["actor"] as? String ?? "?") \($0["action"] as? String ?? "?") \($0["field"] as? String ?? "-") "
                    + "\($0["from"] as? String ?? "-")>\($0["to"] as? String ?? "-")"
            }
            #expect(
                entries == [
                    "api created status ->open", "api updated assigned_to ->analyst1",
                    "api alert_linked alerts ->\(alertID)",
                    "lead updated status open>acknowledged", "lead updated assigned_to analyst1>analyst2",
                    "api updated title \(alert["title"] as? String ?? "")>Noise",
                    "api updated status acknowledged>resolved", "api updated resolution ->false_positive",
                    "analyst1 note_added notes ->1",
                ])
            #expect(timeline.allSatisfy { $0["at"] is String })
        }
    }

    @Test func mistakesAre4xx() async throws {
        try await withSIEM { client, _ async throws in
            expectError(
                try await client.post("/mdr/incidents", #"{"title":"x","severity":"urgent"}"#), .unprocessableContent)
            expectError(
                try await client.post("/mdr/incidents", #"{"title":"x","status":"done"}"#), .unprocessableContent)
            expectError(try await client.post("/mdr/incidents", #"{"severity":"low"}"#), .unprocessableContent)
            expectError(try await client.post("/mdr/incidents", #"{"alert_id": 12345}"#), .notFound)
            expectError(try await client.get("/mdr/incidents?status=weird"), .unprocessableContent)
            expectError(try await client.get("/mdr/incidents/77"), .notFound)
            expectError(try await client.get("/mdr/incidents/abc"), .notFound)
            expectError(try await client.post("/mdr/incidents/77", #"{"status":"closed"}"#), .notFound)
            expectError(try await client.post("/mdr/incidents/77/notes", #"{"note":"x"}"#), .notFound)
            let created = try await client.post("/mdr/incidents", #"{"title":"x"}"#)
            let id = try #require(created.json["id"] as? Int)
            expectError(try await client.post("/mdr/incidents/\(id)", #"{"status":"done"}"#), .unprocessableContent)
            expectError(try await client.post("/mdr/incidents/\(id)", #"{}"#), .unprocessableContent)
            expectError(try await client.post("/mdr/incidents/\(id)/notes", #"{"author":"a"}"#), .unprocessableContent)
            expectError(try await client.post("/mdr/incidents/\(id)/alerts", #"{"alert_ids":[999]}"#), .notFound)
            expectError(try await client.post("/mdr/incidents/\(id)", "[1]"), .badRequest)
        }
    }

    @Test func linkMoreAlerts() async throws {
        try await withSIEM { client, _ async throws in
            let ingest = try await client.post("/ingest", referenceEvent)
            let alertIDs = (ingest.json["alerts"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            #expect(alertIDs.count == 2)
            let created = try await client.post("/mdr/incidents", #"{"alert_id": \#(alertIDs[0])}"#)
            let id = try #require(created.json["id"] as? Int)
            let linked = try await client.post("/mdr/incidents/\(id)/alerts", #"{"alert_ids": \#(alertIDs)}"#)
            #expect(linked.status == .ok, "\(linked.text)")
            #expect(linked.json["alert_ids"] as? [Int] == alertIDs.sorted())
        }
    }

    @Test func autoCreateGroupsByRuleAndKey() async throws {
        try await withSIEM(configure: {
            $0.mdr.autoCreateIncidents = true
            $0.mdr.autoCreateMinSeverity = .medium
        }) { client, _ async throws in
            // Incidents open after the ingest is answered (post-commit queue): wait for them.
            func incidents(_ count: Int) async throws -> TestResponse {
                _ = await eventually { (try? await client.get("/mdr/incidents?limit=50").items.count) == count }
                return try await client.get("/mdr/incidents?limit=50")
            }
            func alertsLinked(_ count: Int) async {
                _ = await eventually {
                    let items = (try? await client.get("/mdr/incidents?limit=50").items) ?? []
                    return items.reduce(0) { $0 + (($1["alert_ids"] as? [Int])?.count ?? 0) } == count
                }
            }
            try await client.post("/ingest", referenceEvent)
            let first = try await incidents(2)
            #expect(first.items.count == 2)
            #expect(
                Set(first.items.compactMap { $0["rule_id"] as? String }) == ["ssh_failed_password", "ssh_invalid_user"])
            #expect(first.items.allSatisfy { $0["group_key"] as? String == "ip:10.0.0.5" })

            // The same address on another host: new alerts (suppression folds repeats per address
            // and host), the same incidents (grouped by rule and address).
            try await client.post("/ingest", referenceEvent.replacingOccurrences(of: "demo-host", with: "demo-host-2"))
            await alertsLinked(4)
            let joined = try await client.get("/mdr/incidents?limit=50")
            #expect(joined.items.count == 2)
            #expect(joined.items.allSatisfy { ($0["alert_ids"] as? [Int])?.count == 2 })

            try await client.post("/ingest", referenceEvent.replacingOccurrences(of: "10.0.0.5", with: "10.0.0.6"))
            #expect(try await incidents(4).items.count == 4)

            // A resolved incident takes no new alerts: the next one opens a fresh incident.
            let resolvedID = try #require(joined.items.first?["id"] as? Int)
            try await client.post("/mdr/incidents/\(resolvedID)", #"{"status":"resolved"}"#)
            try await client.post("/ingest", referenceEvent.replacingOccurrences(of: "demo-host", with: "demo-host-3"))
            #expect(try await incidents(5).items.count == 5)
        }
    }

    @Test func autoCreateRespectsMinimumSeverity() async throws {
        try await withSIEM(configure: {
            $0.mdr.autoCreateIncidents = true
            $0.mdr.autoCreateMinSeverity = .high
        }) { client, _ async throws in
            try await client.post("/ingest", referenceEvent)
            #expect(try await client.get("/mdr/incidents").items.isEmpty)
            try await client.post("/ti/iocs", #"{"type":"ip","value":"10.0.0.5","severity":"critical"}"#)
            try await client.post("/ingest", referenceEvent)
            // The queue handles commits in order: once the second ingest's incident is there, the
            // first ingest (medium alerts only) has been handled and opened none.
            _ = await eventually { (try? await client.get("/mdr/incidents").items.isEmpty) == false }
            let incidents = try await client.get("/mdr/incidents").items
            #expect(incidents.map { $0["rule_id"] as? String } == ["ti_ip"])
            #expect(incidents.first?["severity"] as? String == "critical")
        }
    }
}
