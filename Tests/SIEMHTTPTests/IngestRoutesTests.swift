import Foundation
import Hummingbird
import HummingbirdTesting
import SIEMCore
import SIEMEngine
import SIEMStore
import Testing

@testable import SIEMHTTP

@Suite struct IngestRoutesTests {
    @Test func referenceIngestRaisesAlertAndIsFoundByIP() async throws {
        try await withSIEM { client, _ async throws in
            let ingest = try await client.post("/ingest", referenceEvent)
            #expect(ingest.status == .ok, "\(ingest.text)")
            let ingested = ingest.json
            #expect(ingested["count"] as? Int == 1)
            let ruleIDs = Set((ingested["alerts"] as? [[String: Any]] ?? []).compactMap { $0["rule_id"] as? String })
            #expect(ruleIDs == ["ssh_failed_password", "ssh_invalid_user"])

            let alerts = try await client.get("/alerts?limit=20")
            #expect(alerts.status == .ok)
            #expect(alerts.items.count == 2)
            let alert = try #require(alerts.items.first)
            #expect(alert["severity"] as? String == "medium")
            #expect(alert["host"] as? String == "demo-host")
            #expect((alert["event"] as? [String: Any])?["message"] as? String != nil)
            #expect(alerts.json.keys.contains("next_cursor"))

            let events = try await client.get("/events?ip=10.0.0.5")
            #expect(events.items.count == 1)
            let event = try #require(events.items.first)
            for key in [
                "id", "ts", "received_at", "source", "host", "agent_id", "message", "fields", "ips", "normalized",
            ] {
                #expect(event.keys.contains(key), "missing \(key)")
            }
            #expect(event["ips"] as? [String] == ["10.0.0.5"])
            #expect((event["fields"] as? [String: Any])?["program"] as? String == "sshd")
            #expect(try await client.get("/events?ip=10.0.0.50").items.isEmpty)
            #expect(try await client.get("/alerts?ip=10.0.0.5&limit=50").items.count == 2)
            #expect(try await client.get("/alerts?rule_id=ssh_invalid_user").items.count == 1)
            #expect(try await client.get("/alerts?severity=high").items.isEmpty)
            // Events can be filtered by the rule they raised (the dashboard's `rule_id:` term).
            try await client.post("/ingest", #"{"message": "nothing to see"}"#)
            #expect(try await client.get("/events").items.count == 2)
            let byRule = try await client.get("/events?rule_id=ssh_invalid_user")
            #expect(byRule.items.compactMap { $0["host"] as? String } == ["demo-host"])
            #expect(try await client.get("/events?rule_id=no_such_rule").items.isEmpty)
            #expect(try await client.get("/search?q=password&rule_id=ssh_failed_password").items.count == 1)
        }
    }

    @Test func arraysAndNDJSON() async throws {
        try await withSIEM { client, store async throws in
            let array = try await client.post(
                "/ingest", #"[{"message": "one"}, {"message": "two", "agent_id": "demo-agent"}]"#)
            #expect(array.json["ids"] as? [Int] != nil)
            #expect((array.json["ids"] as? [Int])?.count == 2)
            let ndjson = try await client.post(
                "/ingest", "{\"message\": \"three\"}\n{\"message\": \"four\"}\n", contentType: "application/x-ndjson")
            #expect(ndjson.json["count"] as? Int == 2)
            #expect(try await store.events.counts().events == 4)
            #expect(try await client.get("/events?agent_id=demo-agent&limit=50").items.count == 1)
            let search = try await client.get("/search?q=three")
            #expect(search.items.map { $0["message"] as? String } == ["three"])
        }
    }

    @Test func badBodiesAreRefusedWholeAndNothingIsStored() async throws {
        try await withSIEM { client, store async throws in
            expectError(try await client.post("/ingest", "{not json"), .badRequest)
            expectError(try await client.post("/ingest", ""), .badRequest)
            expectError(try await client.post("/ingest", "42"), .badRequest)
            expectError(try await client.post("/ingest", #"{"host": "x"}"#), .unprocessableContent)
            expectError(try await client.post("/ingest", #"{"message": 1}"#), .unprocessableContent)
            expectError(try await client.post("/ingest", #"{"message": "a", "fields": "x"}"#), .unprocessableContent)
            expectError(try await client.post("/ingest", #"{"message": "a", "ts": "soon"}"#), .unprocessableContent)
            expectError(try await client.post("/ingest", "[]"), .unprocessableContent)
            let partial = try await client.post("/ingest", #"[{"message": "good"}, {"message": null}]"#)
            expectError(partial, .unprocessableContent)
            #expect((partial.json["detail"] as? String)?.contains("[1]") == true)
            let ndjsonAsJSON = try await client.post("/ingest", "{\"message\": \"a\"}\n{\"message\": \"b\"}")
            expectError(ndjsonAsJSON, .badRequest)
            #expect((ndjsonAsJSON.json["detail"] as? String)?.contains("application/x-ndjson") == true)
            let badLine = try await client.post(
                "/ingest", "{\"message\": \"a\"}\n{oops}\n", contentType: "application/x-ndjson")
            expectError(badLine, .badRequest)
            #expect((badLine.json["detail"] as? String)?.hasPrefix("line 2") == true)
            #expect(try await store.events.counts().events == 0)
        }
    }

    @Test func oversizedBodiesAre413() async throws {
        try await withSIEM(configure: { $0.maxBodyBytes = 64 }) { client, store async throws in
            let big = #"{"message": "\#(String(repeating: "x", count: 200))"}"#
            expectError(try await client.post("/ingest", big), .contentTooLarge)
            #expect(try await store.events.counts().events == 0)
            #expect(try await client.post("/ingest", #"{"message": "small"}"#).status == .ok)
        }
    }

    @Test func queryParametersAreValidated() async throws {
        try await withSIEM { client, _ async throws in
            for uri in [
                "/events?limit=0", "/events?limit=1001", "/events?limit=ten", "/events?since=yesterday",
                "/events?until=x", "/events?ip=10.0.0", "/events?cursor=-1", "/alerts?severity=urgent",
                "/alerts?limit=0", "/alerts?ip=nope", "/stats?hours=0", "/search", "/alerts/abc",
            ] {
                expectError(try await client.get(uri), .unprocessableContent)
            }
            expectError(try await client.get("/search?q=%28unbalanced"), .badRequest)
            expectError(try await client.get("/search?q=a%20AND%20AND"), .badRequest)
            expectError(try await client.get("/alerts/999"), .notFound)
            expectError(try await client.get("/no/such/route"), .notFound)
        }
    }

    @Test func pagingWithCursor() async throws {
        try await withSIEM { client, _ async throws in
            let body = "[" + (1...7).map { #"{"message": "m\#($0)"}"# }.joined(separator: ",") + "]"
            #expect(try await client.post("/ingest", body).status == .ok)
            var messages: [String] = []
            var cursor: String?
            repeat {
                let page = try await client.get("/events?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""))
                messages += page.items.compactMap { $0["message"] as? String }
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil
            #expect(messages == (1...7).reversed().map { "m\($0)" })
        }
    }

    @Test func healthAndStats() async throws {
        try await withSIEM { client, _ async throws in
            try await client.post("/ingest", referenceEvent)
            let health = try await client.get("/health")
            #expect(health.status == .ok)
            #expect(health.json["status"] as? String == "ok")
            #expect(health.json["version"] as? String == siemVersion)
            #expect((health.json["database"] as? [String: Any])?["reachable"] as? Bool == true)
            #expect(health.json["events"] as? Int == 1)
            #expect(health.json["alerts"] as? Int == 2)
            let stats = try await client.get("/stats?hours=24")
            #expect(stats.status == .ok)
            #expect(stats.json["events"] as? Int == 1)
            #expect((stats.json["top_hosts"] as? [[String: Any]])?.first?["host"] as? String == "demo-host")
            #expect((stats.json["events_by_source"] as? [[String: Any]])?.first?["source"] as? String == "syslog")
            #expect((stats.json["top_rules"] as? [[String: Any]])?.count == 2)
            #expect((stats.json["events_per_hour"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test func liveServerOnLoopback() async throws {
        try await withSIEM(.live) { client, _ async throws in
            #expect(try await client.post("/ingest", referenceEvent).status == .ok)
            #expect(try await client.get("/events?ip=10.0.0.5").items.count == 1)
        }
    }

    @Test func windowsEventWithoutMessageIsStoredAndFoundByComputer() async throws {
        try await withSIEM { client, _ async throws in
            let winlog = #"""
                {"Message": "An account failed to log on.\r\n\r\nSubject: ...", "Id": 4625, "Level": 0,
                 "TimeCreated": "2026-03-14T01:00:02.500Z", "Computer": "DC01.corp.example.com",
                 "ProviderName": "Microsoft-Windows-Security-Auditing", "LogName": "Security",
                 "winlog": {"channel": "Security", "event_data": {"TargetUserName": "bob", "IpAddress": "10.1.2.3"}}}
                """#
            let ingest = try await client.post("/ingest", winlog)
            #expect(ingest.status == .ok, "\(ingest.text)")
            let events = try await client.get("/events?host=DC01.corp.example.com")
            #expect(events.items.count == 1)
            let event = try #require(events.items.first)
            #expect((event["message"] as? String)?.hasPrefix("An account failed to log on.") == true)
            #expect(event["ts"] as? String == "2026-03-14T01:00:02.500Z")
            let fields = try #require(event["fields"] as? [String: Any])
            #expect(fields["Id"] as? Int == 4625)
            #expect((fields["winlog"] as? [String: Any])?["channel"] as? String == "Security")
            let bad = try await client.post("/ingest", #"{"Message": "m", "@timestamp": "last tuesday"}"#)
            expectError(bad, .unprocessableContent)
            #expect((bad.json["detail"] as? String)?.contains("`@timestamp`") == true)
        }
    }
}
