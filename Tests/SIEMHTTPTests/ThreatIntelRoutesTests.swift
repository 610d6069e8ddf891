import Foundation
import Hummingbird
import HummingbirdTesting
import SIEMEngine
import SIEMStore
import Testing

@testable import SIEMHTTP

@Suite struct ThreatIntelRoutesTests {
    let referenceIOC = #"{"type":"ip","value":"10.0.0.5","source":"demo","note":"test indicator"}"#

    @Test func referenceIOCRaisesTIAlertAndCountsHits() async throws {
        try await withSIEM { client, _ async throws in
            let added = try await client.post("/ti/iocs", referenceIOC)
            #expect(added.status == .created, "\(added.text)")
            let id = try #require(added.json["id"] as? Int)
            #expect(added.json["value"] as? String == "10.0.0.5")
            #expect(added.json["hit_count"] as? Int == 0)

            let again = try await client.post(
                "/ti/iocs", #"{"type":"ip","value":"10.0.0.5","source":"demo","note":"updated note"}"#)
            #expect(again.status == .ok)
            #expect(again.json["id"] as? Int == id)
            #expect(again.json["created"] as? Bool == false)
            #expect(again.json["note"] as? String == "updated note")

            let ingest = try await client.post("/ingest", referenceEvent)
            let alerts = ingest.json["alerts"] as? [[String: Any]] ?? []
            let ti = try #require(alerts.first { $0["rule_id"] as? String == "ti_ip" })
            let details = try #require(ti["details"] as? [String: Any])
            #expect(details["ioc_id"] as? Int == id)
            #expect(details["ioc_value"] as? String == "10.0.0.5")
            #expect(details["ioc_source"] as? String == "demo")
            #expect(details["ioc_note"] as? String == "updated note")
            #expect(details["ioc_type"] as? String == "ip")

            let near = try await client.post("/ingest", #"{"message": "connection from 10.0.0.50", "source": "edr"}"#)
            #expect((near.json["alerts"] as? [[String: Any]])?.isEmpty == true)

            let list = try await client.get("/ti/iocs?limit=50")
            #expect(list.items.count == 1)
            #expect(list.items.first?["hit_count"] as? Int == 1)
            #expect(list.items.first?["last_hit_at"] is String)
            #expect(try await client.get("/alerts?rule_id=ti_ip").items.count == 1)
        }
    }

    @Test func domainsAndHashesMatchEDRFieldsAndCanonicalForms() async throws {
        let hash = String(repeating: "9f", count: 32)
        try await withSIEM { client, _ async throws in
            #expect(
                try await client.post("/ti/iocs", #"{"type":"domain","value":"Evil.Example.","source":"s"}"#).status
                    == .created)
            #expect(
                try await client.post("/ti/iocs", #"{"type":"sha256","value":"\#(hash.uppercased())"}"#).status
                    == .created)
            let v6 = try await client.post("/ti/iocs", #"{"type":"ip","value":"2001:DB8:0::7"}"#)
            #expect(v6.json["value"] as? String == "2001:db8::7")
            #expect(try await client.get("/ti/iocs?type=domain&value=EVIL.example").items.count == 1)
            #expect(try await client.get("/ti/iocs?source=s").items.count == 1)

            let edr = """
                {"source": "edr", "agent_id": "a1", "host": "pc1", "message": "edr_process_start",
                 "fields": {"url": "https://CDN.evil.example/payload", "file": {"sha256": "\(hash)"},
                            "peer": "2001:db8::7"}}
                """
            let ingest = try await client.post("/ingest", edr)
            let ruleIDs = Set((ingest.json["alerts"] as? [[String: Any]] ?? []).compactMap { $0["rule_id"] as? String })
            #expect(ruleIDs == ["ti_domain", "ti_sha256", "ti_ip"])
        }
    }

    @Test func invalidValuesAreExplained422sAndDeleteStopsMatching() async throws {
        try await withSIEM { client, _ async throws in
            let bad = try await client.post("/ti/iocs", #"{"type":"ip","value":"10.0.0.300"}"#)
            expectError(bad, .unprocessableContent)
            #expect((bad.json["detail"] as? String)?.contains("not an IPv4 or IPv6 address") == true)
            expectError(try await client.post("/ti/iocs", #"{"type":"url","value":"x"}"#), .unprocessableContent)
            expectError(try await client.post("/ti/iocs", #"{"type":"sha256","value":"abc"}"#), .unprocessableContent)
            expectError(try await client.post("/ti/iocs", #"{"type":"ip"}"#), .unprocessableContent)
            expectError(
                try await client.post("/ti/iocs", #"{"type":"ip","value":"1.2.3.4","severity":"huge"}"#),
                .unprocessableContent)
            expectError(
                try await client.post("/ti/iocs", #"{"type":"ip","value":"1.2.3.4","expires_at":"soon"}"#),
                .unprocessableContent)
            expectError(try await client.post("/ti/iocs", "{not json"), .badRequest)
            expectError(try await client.get("/ti/iocs?type=nope"), .unprocessableContent)
            expectError(try await client.execute(uri: "/ti/iocs/999", method: .delete), .notFound)

            let added = try await client.post("/ti/iocs", referenceIOC)
            let id = try #require(added.json["id"] as? Int)
            let deleted = try await client.execute(uri: "/ti/iocs/\(id)", method: .delete)
            #expect(deleted.status == .ok)
            let ingest = try await client.post("/ingest", referenceEvent)
            let ruleIDs = (ingest.json["alerts"] as? [[String: Any]] ?? []).compactMap { $0["rule_id"] as? String }
            #expect(!ruleIDs.contains("ti_ip"))
            #expect(try await client.get("/ti/iocs").items.isEmpty)
        }
    }

    @Test func expiredIOCsDoNotMatch() async throws {
        try await withSIEM { client, _ async throws in
            let added = try await client.post(
                "/ti/iocs", #"{"type":"ip","value":"10.0.0.5","expires_at":"2020-01-01T00:00:00Z"}"#)
            #expect(added.json["expired"] as? Bool == true)
            let ingest = try await client.post("/ingest", referenceEvent)
            let ruleIDs = (ingest.json["alerts"] as? [[String: Any]] ?? []).compactMap { $0["rule_id"] as? String }
            #expect(!ruleIDs.contains("ti_ip"))
        }
    }

    @Test func retroHuntRaisesAlertsForStoredEventsOnce() async throws {
        try await withSIEM { client, _ async throws in
            try await client.post("/ingest", #"{"message": "query c2.bad.example from 192.0.2.4", "host": "w1"}"#)
            try await client.post("/ingest", #"{"message": "unrelated"}"#)
            let body = #"{"type":"domain","value":"bad.example","source":"hunt","retro_hunt_hours":24}"#
            let added = try await client.post("/ti/iocs", body)
            let hunt = try #require(added.json["retro_hunt"] as? [String: Any], "\(added.text)")
            #expect(hunt["events_scanned"] as? Int == 2)
            #expect(hunt["alerts"] as? Int == 1)
            let again = try await client.post("/ti/iocs", body)
            #expect((again.json["retro_hunt"] as? [String: Any])?["alerts"] as? Int == 0)
            let alerts = try await client.get("/alerts?rule_id=ti_domain")
            #expect(alerts.items.count == 1)
            #expect((alerts.items.first?["event"] as? [String: Any])?["host"] as? String == "w1")
            #expect(try await client.get("/ti/iocs").items.first?["hit_count"] as? Int == 1)
            expectError(
                try await client.post("/ti/iocs", #"{"type":"ip","value":"1.2.3.4","retro_hunt_hours":-1}"#),
                .unprocessableContent)
        }
    }

    @Test func bulkImportCSVLinesAndSTIX() async throws {
        try await withSIEM { client, _ async throws in
            let csv = "type,value,source,note\nip,198.51.100.1,feed,c2\ndomain,bad.example,feed,\nip,999.1.1.1,feed,\n"
            let imported = try await client.post("/ti/iocs/import", csv, contentType: "text/csv")
            #expect(imported.status == .ok, "\(imported.text)")
            #expect(imported.json["imported"] as? Int == 2)
            #expect(imported.json["rejected_count"] as? Int == 1)
            let lines = try await client.post(
                "/ti/iocs/import?type=domain&source=list", "one.example\ntwo.example\n", contentType: "text/plain")
            #expect(lines.json["created"] as? Int == 2)
            let stix = """
                {"type":"bundle","id":"bundle--x","objects":[{"type":"indicator","id":"indicator--a",
                "pattern":"[ipv4-addr:value = '203.0.113.66']","pattern_type":"stix","name":"scanner"}]}
                """
            let bundle = try await client.post("/ti/iocs/import?source=stix", stix)
            #expect(bundle.json["imported"] as? Int == 1)
            #expect(try await client.get("/ti/iocs?limit=50").items.count == 5)
            let ingest = try await client.post("/ingest", #"{"message": "hit 203.0.113.66 and two.example"}"#)
            let ruleIDs = Set((ingest.json["alerts"] as? [[String: Any]] ?? []).compactMap { $0["rule_id"] as? String })
            #expect(ruleIDs == ["ti_ip", "ti_domain"])
            expectError(try await client.post("/ti/iocs/import", "nonsense value"), .unprocessableContent)
        }
    }
}
