import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import SIEMCore
import SIEMEngine
import SIEMStore
import Testing

@testable import SIEMHTTP

@Suite struct EDRRoutesTests {
    @Test func registrationIssuesTokenStoredHashedAndReRegistrationKeepsTheID() async throws {
        try await withEDR { client, store async throws in
            let first = try await client.send(
                .post, "/edr/register",
                #"{"hostname":"web-1","os":"Debian 12","kernel":"6.1.0","ips":["192.0.2.10","not-an-ip"],"agent_version":"0.1.0"}"#
            )
            #expect(first.status == .created, "\(first.text)")
            let agentID = try #require(first.json["agent_id"] as? String)
            let token = try #require(first.json["token"] as? String)
            #expect(token.count == 64)

            let endpoint = try #require(try await store.edr.endpoint(agentID: agentID))
            #expect(endpoint.tokenHash != token)
            #expect(
                endpoint.tokenHash == SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined())

            let again = try await client.send(
                .post, "/edr/register", #"{"hostname":"web-1b","agent_id":"\#(agentID)","token":"\#(token)"}"#)
            #expect(again.status == .ok, "\(again.text)")
            #expect(again.json["agent_id"] as? String == agentID)
            #expect(try await store.edr.endpoint(agentID: agentID)?.hostname == "web-1b")

            let stolen = try await client.send(
                .post, "/edr/register", #"{"hostname":"evil","agent_id":"\#(agentID)","token":"guess"}"#)
            expectError(stolen, .conflict)
            #expect(try await store.edr.endpoint(agentID: agentID)?.hostname == "web-1b")

            expectError(try await client.send(.post, "/edr/register", #"{"os":"x"}"#), .unprocessableContent)
            expectError(
                try await client.send(.post, "/edr/register", #"{"hostname":"h","agent_id":"a b"}"#),
                .unprocessableContent)
            expectError(try await client.send(.post, "/edr/register", "{nope"), .badRequest)

            let list = try await client.send(.get, "/edr/endpoints?limit=50")
            let item = try #require(list.items.first)
            #expect(list.items.count == 1)
            #expect(item["agent_id"] as? String == agentID)
            #expect(item["online"] as? Bool == true)
            #expect(item["isolated"] as? Bool == false)
            #expect(item["ips"] as? [String] == [])  // the re-registration sent none
            #expect(item["token"] == nil && item["token_hash"] == nil)
        }
    }

    @Test func telemetryIsStoredAsSearchableEDREventsThatRaiseAlerts() async throws {
        try await withEDR { client, _ async throws in
            let agent = try await client.registerAgent("edr-host", agentID: "demo-agent")
            #expect(agent.id == "demo-agent")
            let body = #"""
                {"agent_id":"demo-agent","events":[
                  {"type":"edr_listen_socket","data":{"protocol":"tcp","address":"0.0.0.0","port":4444,"pid":77,"exe":"/usr/bin/nc"}},
                  {"type":"edr_process_start","ts":"2026-11-29T09:00:00Z","data":{"pid":77,"cmdline":"nc -l 4444"}},
                  {"type":"edr_heartbeat","data":{}}
                ]}
                """#
            let sent = try await client.send(.post, "/edr/telemetry", body, token: agent.token)
            #expect(sent.status == .ok, "\(sent.text)")
            #expect(sent.json["count"] as? Int == 3)

            let found = try await client.send(.get, "/search?q=edr_listen_socket&agent_id=demo-agent&limit=50")
            let event = try #require(found.items.first)
            #expect(found.items.count == 1)
            #expect(event["source"] as? String == "edr")
            #expect(event["host"] as? String == "edr-host")
            #expect((event["message"] as? String)?.hasPrefix("edr_listen_socket") == true)
            #expect((event["fields"] as? [String: Any])?["port"] as? Int == 4444)
            let alerts = try await client.send(.get, "/alerts?agent_id=demo-agent&limit=50")
            #expect(
                alerts.items.compactMap { $0["rule_id"] as? String }.contains("edr_new_listening_socket"),
                "\(alerts.text) \(sent.text)")
            #expect(try await client.send(.get, "/search?q=edr_listen_socket&agent_id=other").items.isEmpty)

            let other = try await client.registerAgent("other-host")
            expectError(try await client.send(.post, "/edr/telemetry", body), .unauthorized)
            expectError(try await client.send(.post, "/edr/telemetry", body, token: other.token), .unauthorized)
            expectError(
                try await client.send(
                    .post, "/edr/telemetry", #"{"agent_id":"ghost","events":[]}"#, token: agent.token),
                .notFound)
            expectError(
                try await client.send(
                    .post, "/edr/telemetry", #"{"agent_id":"demo-agent","events":[{"type":"DROP TABLE"}]}"#,
                    token: agent.token), .unprocessableContent)
            expectError(
                try await client.send(
                    .post, "/edr/telemetry", #"{"agent_id":"demo-agent","events":{}}"#, token: agent.token),
                .unprocessableContent)
        }
    }

    @Test func actionsAreValidated() async throws {
        try await withEDR(configure: { $0.edrDangerousActionAllowlist = ["*"] }) { client, _ async throws in
            let agent = try await client.registerAgent()
            let id = agent.id
            for (type, params) in [
                ("format_disk", "{}"),
                ("collect_file_hash", "{}"),
                ("collect_file_hash", #"{"path":"relative/file"}"#),
                ("collect_file_hash", #"{"path":42}"#),
                ("kill_process", "{}"),
                ("kill_process", #"{"pid":1}"#),
                ("kill_process", #"{"pid":0}"#),
                ("kill_process", #"{"pid":"12"}"#),
                ("block_ip", #"{"ip":"10.0.0.999"}"#),
                ("block_ip", #"{"ip":"127.0.0.1"}"#),
                ("block_ip", #"{"ip":"::1"}"#),
                ("block_ip", #"{"ip":"0.0.0.0"}"#),
                ("unblock_ip", #"{"ip":"::"}"#),
            ] {
                let response = try await client.queueAction(id, type, params)
                #expect(response.status == .unprocessableContent, "\(type) \(params): \(response.text)")
                expectError(response, .unprocessableContent)
            }
            expectError(try await client.queueAction(id, "block_ip", #"{"ip":"127.0.0.1"}"#), .unprocessableContent)
            expectError(try await client.queueAction("ghost", "collect_file_hash", #"{"path":"/bin/bash"}"#), .notFound)
            expectError(
                try await client.queueAction(
                    id, "collect_file_hash", #"{"path":"/bin/bash"}"#, extra: #","expires_in_seconds":0"#),
                .unprocessableContent)
            expectError(try await client.send(.post, "/edr/actions", "[]"), .unprocessableContent)

            let ok = try await client.queueAction(id, "block_ip", #"{"ip":"2001:DB8::0:5"}"#)
            #expect(ok.status == .created, "\(ok.text)")
            #expect((ok.json["params"] as? [String: Any])?["ip"] as? String == "2001:db8::5")
            #expect(ok.json["status"] as? String == "queued")
            #expect(try await client.queueAction(id, "kill_process", #"{"pid":1234}"#).status == .created)
            #expect(try await client.queueAction(id, "isolate_endpoint").status == .created)
        }
    }

    @Test func edrSettingsComeFromTheEnvironment() throws {
        let configuration = try ServerConfiguration(environment: [
            "EDR_DANGEROUS_ACTION_ALLOWLIST": " soc-lead, demo ,", "EDR_ACTION_LEASE_SECONDS": "30",
        ])
        #expect(configuration.edrDangerousActionAllowlist == ["soc-lead", "demo"])
        #expect(configuration.edrLeaseSeconds == 30)
        #expect(ServerConfiguration().edrDangerousActionAllowlist.isEmpty)
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration(environment: ["EDR_ACTION_EXPIRY_SECONDS": "soon"])
        }
        let error = #expect(throws: ConfigurationError.self) {
            try ServerConfiguration(environment: ["EDR_ACTION_LEASE_SECONDS": "0"])
        }
        #expect(error?.variable == "EDR_ACTION_LEASE_SECONDS")
    }

    @Test func theServersOwnAddressesCannotBeBlocked() async throws {
        let local = InterfaceAddresses.all().first { !$0.hasPrefix("127.") && $0 != "::1" }
        try await withEDR(configure: {
            $0.edrDangerousActionAllowlist = ["*"]
            $0.host = "0.0.0.0"
        }) { client, _ async throws in
            let agent = try await client.registerAgent()
            if let local {
                expectError(
                    try await client.queueAction(agent.id, "block_ip", #"{"ip":"\#(local)"}"#), .unprocessableContent)
            }
            #expect(try await client.queueAction(agent.id, "block_ip", #"{"ip":"198.51.100.7"}"#).status == .created)
        }
        try await withEDR(configure: {
            $0.edrDangerousActionAllowlist = ["*"]
            $0.host = "192.0.2.44"
        }) { client, _ async throws in
            let agent = try await client.registerAgent()
            let refused = try await client.queueAction(agent.id, "block_ip", #"{"ip":"192.0.2.44"}"#)
            expectError(refused, .unprocessableContent)
            #expect((refused.json["detail"] as? String)?.contains("SIEM server") == true)
        }
    }

    @Test func dangerousActionsNeedAnAllowlistedRequester() async throws {
        try await withEDR { client, _ async throws in
            let agent = try await client.registerAgent()
            let hash = try await client.queueAction(agent.id, "collect_file_hash", #"{"path":"/bin/bash"}"#)
            #expect(hash.status == .created)
            for type in ["kill_process", "isolate_endpoint", "unisolate_endpoint", "block_ip", "unblock_ip"] {
                let params =
                    type == "kill_process" ? #"{"pid":4242}"# : type.hasSuffix("_ip") ? #"{"ip":"10.0.0.5"}"# : "{}"
                expectError(try await client.queueAction(agent.id, type, params), .forbidden)
            }
            let refusals = try await client.send(.get, "/search?q=edr_action_refused&agent_id=\(agent.id)&limit=50")
            #expect(refusals.items.count == 5)
            #expect(refusals.items.allSatisfy { $0["source"] as? String == "edr_audit" })
            let history = try await client.send(.get, "/edr/actions/history?agent_id=\(agent.id)")
            #expect(history.items.count == 1)
        }
        try await withEDR(configure: { $0.edrDangerousActionAllowlist = ["soc-lead", "demo"] }) {
            client, _ async throws in
            let agent = try await client.registerAgent()
            #expect(
                try await client.queueAction(agent.id, "kill_process", #"{"pid":4242}"#, by: "demo").status == .created)
            expectError(try await client.queueAction(agent.id, "kill_process", #"{"pid":4242}"#, by: "eve"), .forbidden)
            expectError(try await client.queueAction(agent.id, "kill_process", #"{"pid":4242}"#, by: ""), .forbidden)
        }
        try await withEDR(configure: { $0.edrDangerousActionAllowlist = ["*"] }) { client, _ async throws in
            let agent = try await client.registerAgent()
            #expect(try await client.queueAction(agent.id, "isolate_endpoint", by: "anyone").status == .created)
        }
    }

    @Test func pollLeasesOnceReoffersAfterTheLeaseAndRecordsOneResult() async throws {
        let clock = ManualClock()
        try await withEDR(clock: clock, configure: { $0.edrLeaseSeconds = 60 }) { client, _ async throws in
            let agent = try await client.registerAgent()
            let queued = try await client.queueAction(agent.id, "collect_file_hash", #"{"path":"/etc/hostname"}"#)
            let actionID = try #require(queued.json["id"] as? Int)

            let first = try await client.poll(agent)
            #expect(first.count == 1)
            #expect(first.first?["id"] as? Int == actionID)
            #expect(first.first?["status"] as? String == "leased")
            #expect(try await client.poll(agent).isEmpty)
            clock.advance(seconds: 59)
            #expect(try await client.poll(agent).isEmpty)
            clock.advance(seconds: 2)
            let again = try await client.poll(agent)
            #expect(again.first?["id"] as? Int == actionID)
            #expect(again.first?["attempts"] as? Int == 2)

            expectError(
                try await client.send(
                    .post, "/edr/actions/\(actionID)/result", #"{"status":"done"}"#, token: agent.token),
                .unprocessableContent)
            expectError(
                try await client.send(
                    .post, "/edr/actions/\(actionID)/result", #"{"status":"leased"}"#, token: agent.token),
                .unprocessableContent)
            expectError(
                try await client.send(.post, "/edr/actions/abc/result", #"{"status":"failed"}"#), .unprocessableContent)
            let result = try await client.send(
                .post, "/edr/actions/\(actionID)/result",
                #"{"status":"succeeded","output":{"sha256":"ab12","size":3}}"#, token: agent.token)
            #expect(result.status == .ok, "\(result.text)")
            #expect(result.json["status"] as? String == "succeeded")
            expectError(
                try await client.send(
                    .post, "/edr/actions/\(actionID)/result", #"{"status":"failed"}"#, token: agent.token),
                .conflict)
            clock.advance(seconds: 120)
            #expect(try await client.poll(agent).isEmpty)

            let history = try await client.send(
                .get, "/edr/actions/history?agent_id=\(agent.id)&status=succeeded&limit=50")
            let item = try #require(history.items.first)
            #expect((item["output"] as? [String: Any])?["sha256"] as? String == "ab12")
            #expect(item["completed_at"] is String)
            expectError(try await client.send(.get, "/edr/actions/history?status=weird"), .unprocessableContent)
            for kind in ["edr_action_queued", "edr_action_leased", "edr_action_result"] {
                let audit = try await client.send(.get, "/search?q=\(kind)&agent_id=\(agent.id)")
                #expect(!audit.items.isEmpty, "no \(kind) audit event")
            }
            #expect(try await client.send(.get, "/search?q=edr_action_leased&agent_id=\(agent.id)").items.count == 2)
        }
    }

    @Test func actionsExpireWhenNotPickedUpInTime() async throws {
        let clock = ManualClock()
        try await withEDR(clock: clock) { client, _ async throws in
            let agent = try await client.registerAgent()
            let short = try await client.queueAction(
                agent.id, "collect_file_hash", #"{"path":"/a"}"#, extra: #","expires_in_seconds":30"#)
            let long = try await client.queueAction(agent.id, "collect_file_hash", #"{"path":"/b"}"#)
            #expect((long.json["expires_at"] as? String) != (short.json["expires_at"] as? String))
            clock.advance(seconds: 31)
            let offered = try await client.poll(agent)
            #expect(offered.map { $0["id"] as? Int } == [long.json["id"] as? Int])
            let expired = try await client.send(.get, "/edr/actions/history?status=expired")
            #expect(expired.items.map { $0["id"] as? Int } == [short.json["id"] as? Int])
            clock.advance(seconds: 3600)
            #expect(try await client.send(.get, "/edr/actions/history?status=expired").items.count == 2)
            #expect(!(try await client.send(.get, "/search?q=edr_action_expired").items.isEmpty))
        }
    }

    @Test func queuesAndTokensArePerAgent() async throws {
        try await withEDR(configure: { $0.edrDangerousActionAllowlist = ["*"] }) { client, store async throws in
            let alice = try await client.registerAgent("alice")
            let bob = try await client.registerAgent("bob")
            #expect(alice.id != bob.id)
            let queued = try await client.queueAction(alice.id, "isolate_endpoint")
            let actionID = try #require(queued.json["id"] as? Int)

            #expect(try await client.poll(bob).isEmpty)
            expectError(
                try await client.send(.get, "/edr/actions/poll?agent_id=\(alice.id)", token: bob.token), .unauthorized)
            expectError(try await client.send(.get, "/edr/actions/poll?agent_id=\(alice.id)"), .unauthorized)
            expectError(try await client.send(.get, "/edr/actions/poll?agent_id=ghost", token: bob.token), .notFound)
            expectError(try await client.send(.get, "/edr/actions/poll"), .unprocessableContent)
            #expect(try await client.poll(alice).count == 1)

            expectError(
                try await client.send(
                    .post, "/edr/actions/\(actionID)/result", #"{"agent_id":"\#(bob.id)","status":"failed"}"#,
                    token: bob.token), .notFound)
            expectError(
                try await client.send(
                    .post, "/edr/actions/\(actionID)/result", #"{"status":"failed"}"#, token: bob.token),
                .unauthorized)
            expectError(
                try await client.send(.post, "/edr/actions/999999/result", #"{"status":"failed"}"#, token: bob.token),
                .notFound)
            let done = try await client.send(
                .post, "/edr/actions/\(actionID)/result", #"{"status":"succeeded","output":{"isolated":true}}"#,
                token: alice.token)
            #expect(done.status == .ok, "\(done.text)")
            #expect(try await store.edr.endpoint(agentID: alice.id)?.isolated == true)
            #expect(try await store.edr.endpoint(agentID: bob.id)?.isolated == false)
            let history = try await client.send(.get, "/edr/actions/history?agent_id=\(bob.id)")
            #expect(history.items.isEmpty)
        }
    }
}
