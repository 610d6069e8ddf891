import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SIEMCore
import SIEMEngine
import SIEMStore
import SIEMTestSupport
import Testing

@testable import SIEMHTTP

/// `GET /rules`, `POST /rules/reload`, and the alert filters on a rule's tag and format, against a
/// real server on loopback over rules files written for each test.
@Suite struct RuleRoutesTests {
    static let native = """
        rules:
          - id: web_probe
            title: Web probe token
            severity: low
            tags: [attack.reconnaissance, Web]
            match: {field: message, contains: probe-token}
          - id: ssh_fail
            title: SSH failure token
            severity: high
            tags: [attack.credential_access]
            match: {field: message, contains: ssh-fail-token}
        """

    /// A native document with an unknown key: its rules are skipped, with the reason.
    static let broken = """
        rules:
          - id: broken_rule
            title: Broken
            colour: red
            match: {field: message, contains: x}
        """

    static let sigma = """
        title: Sigma token seen
        id: 6a1d7c1e-5b0f-4c43-9a43-0d6f3f1d2a01
        status: test
        description: A command line holds the Sigma test token.
        author: Jane Doe, John Roe
        references:
          - https://example.org/sigma-token
          - internal wiki page 42
        falsepositives:
          - administrators testing tokens
        logsource:
          product: linux
          category: process_creation
        detection:
          selection:
            CommandLine|contains: sigma-token
          condition: selection
        level: informational
        tags:
          - attack.execution
        """

    static let sigmaID = "6a1d7c1e-5b0f-4c43-9a43-0d6f3f1d2a01"

    /// A live siemd over the rules `files` (name → text) in a fresh folder, reloadable from it.
    static func withRules<T: Sendable>(
        _ files: [String: String],
        ignoreLogsource: Bool = false,
        configure: (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol, TemporaryDirectory) async throws -> T
    ) async throws -> T {
        let directory = try TemporaryDirectory(prefix: "siem-rules")
        let folder = directory.path("rules")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: "\(folder)/\(name)", atomically: true, encoding: .utf8) }
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.databasePath = directory.databasePath
        configuration.rulesPath = folder
        configure(&configuration)
        let stores = try Stores.sqlite(path: configuration.databasePath, sync: .normal)
        let rules = try RuleService(source: RuleService.Source(rules: folder, ignoreLogsource: ignoreLogsource))
        var logger = Logger(label: "siemd-test")
        logger.logLevel = .warning
        let engine = Engine(configuration: configuration.engine, stores: stores, ruleService: rules, logger: logger)
        let app = SIEMServer.makeApplication(configuration: configuration, engine: engine, logger: logger)
        let result = try await app.test(.live) { client in try await body(client, directory) }
        await stores.close()
        return result
    }

    static func ids(_ response: TestResponse) -> [String] { response.items.compactMap { $0["id"] as? String } }

    static func keyed(_ key: String) -> HTTPFields {
        [.contentType: "application/json", HTTPField.Name("x-api-key")!: key]
    }

    @Test func listsLoadedAndSkippedRulesWithTheirCounts() async throws {
        let files = ["a-native.yml": Self.native, "b-broken.yml": Self.broken, "c-sigma.yml": Self.sigma]
        try await Self.withRules(files) { client, _ async throws in
            let all = try await client.get("/rules")
            #expect(all.status == .ok, "\(all.text)")
            let json = all.json
            let loaded = try #require(json["loaded"] as? Int)
            let skipped = try #require(json["skipped"] as? Int)
            #expect(loaded >= 2 && skipped >= 1, "\(all.text)")
            #expect(json["total"] as? Int == loaded + skipped)
            #expect(json["returned"] as? Int == loaded + skipped)
            #expect(json.keys.contains("next_cursor") && json["next_cursor"] is NSNull)
            let keys: Set<String> = [
                "id", "title", "format", "level", "severity", "status", "reason", "tags", "author", "file", "logsource",
                "description", "references", "falsepositives", "matches", "last_match", "evaluations",
                "cost_ns_per_event",
            ]
            for item in all.items { #expect(Set(item.keys) == keys, "\(item)") }
            // Loaded rules come first, in load order.
            #expect(Array(Self.ids(all).prefix(2)) == ["web_probe", "ssh_fail"])

            let native = try await client.get("/rules?format=native&status=loaded")
            #expect(Self.ids(native) == ["web_probe", "ssh_fail"])
            let probe = try #require(native.items.first)
            #expect(probe["format"] as? String == "native" && probe["level"] as? String == "low")
            #expect(probe["severity"] as? String == "low" && probe["status"] as? String == "loaded")
            #expect(probe["reason"] is NSNull && probe["last_match"] is NSNull && probe["matches"] as? Int == 0)
            #expect((probe["file"] as? String)?.hasSuffix("a-native.yml") == true)

            let broken = try await client.get("/rules?status=SKIPPED&format=native")
            #expect(broken.items.allSatisfy { $0["status"] as? String == "skipped" }, "\(broken.text)")
            let reason = try #require(broken.items.first { ($0["file"] as? String)?.hasSuffix("b-broken.yml") == true })
            #expect((reason["reason"] as? String)?.contains("colour") == true, "\(reason)")
            #expect(reason["severity"] is NSNull)

            let sigma = try await client.get("/rules?format=sigma")
            let rule = try #require(sigma.items.first, "\(sigma.text)")
            #expect(sigma.items.count == 1 && rule["id"] as? String == Self.sigmaID, "\(sigma.text)")
            #expect(rule["format"] as? String == "sigma")
            // Loaded or not, a Sigma rule that sees no events says why.
            #expect((rule["reason"] as? String)?.isEmpty == false, "\(rule)")
        }
    }

    @Test func filtersByTagAndTextAndPages() async throws {
        try await Self.withRules(["a-native.yml": Self.native, "b-broken.yml": Self.broken]) { client, _ async throws in
            #expect(Self.ids(try await client.get("/rules?tag=WEB")) == ["web_probe"])
            #expect(Self.ids(try await client.get("/rules?tag=we")).isEmpty, "a tag matches whole")
            #expect(Self.ids(try await client.get("/rules?tag=attack.credential_access")) == ["ssh_fail"])
            #expect(Self.ids(try await client.get("/rules?q=PROBE")) == ["web_probe"], "id or title")
            #expect(Self.ids(try await client.get("/rules?q=Credential")) == ["ssh_fail"], "a tag")
            #expect(
                Self.ids(try await client.get("/rules?q=a-native&status=loaded")) == ["web_probe", "ssh_fail"], "file")
            let none = try await client.get("/rules?q=nothing-like-this")
            #expect(none.status == .ok && none.items.isEmpty && none.json["total"] as? Int == 0)
            #expect(none.json["loaded"] as? Int == 2, "the catalog totals do not depend on the filters")

            let first = try await client.get("/rules?status=loaded&limit=1")
            #expect(Self.ids(first) == ["web_probe"])
            #expect(first.json["returned"] as? Int == 1 && first.json["total"] as? Int == 2)
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await client.get("/rules?status=loaded&limit=1&cursor=\(cursor)")
            #expect(Self.ids(second) == ["ssh_fail"])
            #expect(second.json["next_cursor"] is NSNull)
            let beyond = try await client.get("/rules?cursor=99")
            #expect(beyond.status == .ok && beyond.items.isEmpty && beyond.json["next_cursor"] is NSNull)
        }
    }

    @Test func refusesBadParameters() async throws {
        try await Self.withRules(["a-native.yml": Self.native]) { client, _ async throws in
            for query in [
                "format=yaml", "status=enabled", "limit=0", "limit=1001", "limit=ten", "cursor=0", "cursor=abc",
                "tag=\(String(repeating: "t", count: 513))", "q=\(String(repeating: "q", count: 513))",
            ] {
                let response = try await client.get("/rules?\(query)")
                expectError(response, .unprocessableContent)
                #expect(response.json["error"] as? String == "invalid", "\(query): \(response.text)")
            }
            let unknown = try await client.get("/rules?sort=id")
            expectError(unknown, .badRequest)
            #expect(unknown.json["error"] as? String == "unknown_parameter")
            #expect((unknown.json["detail"] as? String)?.contains("`format`") == true)
        }
    }

    @Test func matchesAndEvaluationsAreCounted() async throws {
        try await Self.withRules(["a-native.yml": Self.native]) { client, _ async throws in
            let ingest = try await client.post(
                "/ingest", #"[{"message":"a probe-token here"},{"message":"another probe-token"},{"message":"none"}]"#)
            #expect(ingest.status == .ok, "\(ingest.text)")
            let rules = try await client.get("/rules")
            let probe = try #require(rules.items.first { $0["id"] as? String == "web_probe" })
            #expect(probe["matches"] as? Int == 2, "\(probe)")
            #expect(probe["last_match"] is String)
            let ssh = try #require(rules.items.first { $0["id"] as? String == "ssh_fail" })
            #expect(ssh["matches"] as? Int == 0 && ssh["last_match"] is NSNull)
            for rule in [probe, ssh] {
                let evaluations = try #require(rule["evaluations"] as? Int)
                #expect(evaluations >= 0 && evaluations <= 3, "\(rule)")
                #expect(rule["cost_ns_per_event"] is NSNull || (rule["cost_ns_per_event"] as? Double ?? -1) >= 0)
            }
        }
    }

    /// Reload is an admin's: 401 without credentials, 403 for any other role, and every attempt is
    /// in the audit log with who made it. Reading the catalog is for every role that reads alerts.
    @Test func reloadIsForAdminsAndAudited() async throws {
        try await Self.withRules(["a-native.yml": Self.native], configure: IdentityTests.configure) {
            client, _ async throws in
            let anonymous = try await client.execute(uri: "/rules/reload", method: .post)
            expectError(anonymous, .unauthorized)
            for key in ["viewer-key", "alice-key", "probe-key"] {
                let refused = try await client.execute(uri: "/rules/reload", method: .post, headers: Self.keyed(key))
                expectError(refused, .forbidden)
                #expect(refused.json["error"] as? String == "insufficient_role", "\(key)")
            }
            let done = try await client.execute(uri: "/rules/reload", method: .post, headers: Self.keyed("root-key"))
            #expect(done.status == .ok, "\(done.text)")
            #expect(done.json["loaded"] as? Int == 2)

            for key in ["viewer-key", "alice-key", "root-key"] {
                let read = try await client.execute(uri: "/rules", method: .get, headers: Self.keyed(key))
                #expect(read.status == .ok, "\(key): \(read.text)")
            }
            let agent = try await client.execute(uri: "/rules", method: .get, headers: Self.keyed("probe-key"))
            expectError(agent, .forbidden)
            expectError(try await client.execute(uri: "/rules", method: .get), .unauthorized)

            let audit = try await client.execute(
                uri: "/audit?action=POST%20/rules/reload", method: .get, headers: Self.keyed("root-key"))
            let entries = audit.items.map { ($0["actor"] as? String ?? "", $0["status"] as? Int ?? 0) }
            #expect(entries.contains { $0 == ("root", 200) }, "\(audit.text)")
            #expect(entries.contains { $0 == ("viewer", 403) }, "\(audit.text)")
            #expect(entries.contains { $0 == ("alice", 403) }, "\(audit.text)")
        }
    }

    @Test func reloadReportsWhatChangedOnDisk() async throws {
        let keep = """
            rules:
              - id: kept_rule
                title: Kept
                match: {field: message, contains: kept-token}
            """
        try await Self.withRules(["a-native.yml": Self.native, "d-keep.yml": keep]) { client, directory async throws in
            let unchanged = try await client.execute(uri: "/rules/reload", method: .post)
            #expect(unchanged.status == .ok, "\(unchanged.text)")
            #expect(unchanged.json["loaded"] as? Int == 3 && unchanged.json["skipped"] as? Int == 0)
            for key in ["added", "removed", "changed", "failed_files"] {
                #expect((unchanged.json[key] as? [Any])?.isEmpty == true, "\(key): \(unchanged.text)")
            }

            // ssh_fail changes, web_probe goes, new_rule arrives; d-keep.yml stops parsing and
            // keeps its rule; e-new.yml is broken from the start.
            let edited = """
                rules:
                  - id: ssh_fail
                    title: SSH failure token
                    severity: critical
                    tags: [attack.credential_access]
                    match: {field: message, contains: ssh-fail-token}
                  - id: new_rule
                    title: New
                    match: {field: message, contains: new-token}
                """
            try edited.write(toFile: directory.path("rules/a-native.yml"), atomically: true, encoding: .utf8)
            try "rules: [\n  - {id: : :".write(
                toFile: directory.path("rules/d-keep.yml"), atomically: true, encoding: .utf8)
            try "rules: [".write(toFile: directory.path("rules/e-new.yml"), atomically: true, encoding: .utf8)

            let report = try await client.execute(uri: "/rules/reload", method: .post)
            #expect(report.status == .ok, "\(report.text)")
            let json = report.json
            #expect(json["added"] as? [String] == ["new_rule"], "\(report.text)")
            #expect(json["removed"] as? [String] == ["web_probe"], "\(report.text)")
            #expect(json["changed"] as? [String] == ["ssh_fail"], "\(report.text)")
            let failed = try #require(json["failed_files"] as? [[String: Any]])
            let paths = Set(failed.compactMap { ($0["path"] as? String).map { ($0 as NSString).lastPathComponent } })
            #expect(paths == ["d-keep.yml", "e-new.yml"], "\(report.text)")
            #expect(failed.allSatisfy { ($0["reason"] as? String)?.isEmpty == false })
            #expect(json["loaded"] as? Int == 3, "ssh_fail, new_rule, and kept_rule from the file's previous text")

            let loaded = Self.ids(try await client.get("/rules?status=loaded"))
            #expect(Set(loaded) == ["ssh_fail", "new_rule", "kept_rule"], "\(loaded)")
            let ssh = try #require(try await client.get("/rules?q=ssh_fail").items.first)
            #expect(ssh["severity"] as? String == "critical")

            // The next ingest uses the reloaded rules.
            let ingest = try await client.post(
                "/ingest", #"[{"message":"new-token"},{"message":"probe-token"},{"message":"kept-token"}]"#)
            let raised = Set((ingest.json["alerts"] as? [[String: Any]] ?? []).compactMap { $0["rule_id"] as? String })
            #expect(raised == ["new_rule", "kept_rule"], "\(ingest.text)")
            let health = try await client.get("/health")
            #expect(health.json["rules"] as? Int == 3)
        }
    }

    @Test func alertsFilterByTagAndRuleFormat() async throws {
        try await withSIEM(.live) { client, _ async throws in
            let ioc = try await client.post("/ti/iocs", #"{"type":"ip","value":"10.0.0.5","source":"demo-feed"}"#)
            #expect(ioc.status == .created, "\(ioc.text)")
            let ingest = try await client.post("/ingest", referenceEvent)
            #expect(ingest.status == .ok, "\(ingest.text)")

            let all = try await client.get("/alerts")
            #expect(all.items.count >= 2, "\(all.text)")
            for alert in all.items {
                for key in ["rule_format", "author", "rule_file"] { #expect(alert[key] is String, "\(key): \(alert)") }
                for key in ["references", "falsepositives"] { #expect(alert[key] is [Any], "\(key): \(alert)") }
            }

            let ti = try await client.get("/alerts?rule_format=ti")
            #expect(!ti.items.isEmpty && ti.items.allSatisfy { $0["rule_format"] as? String == "ti" }, "\(ti.text)")
            #expect(ti.items.first?["author"] as? String == "demo-feed", "a TI match names the IOC's source")
            let native = try await client.get("/alerts?rule_format=NATIVE")
            #expect(!native.items.isEmpty, "\(native.text)")
            #expect(native.items.allSatisfy { $0["rule_format"] as? String == "native" })
            #expect(native.items.count + ti.items.count == all.items.count)
            #expect(native.items.allSatisfy { ($0["rule_file"] as? String)?.hasSuffix("default.yml") == true })
            let sigma = try await client.get("/alerts?rule_format=sigma")
            #expect(sigma.status == .ok && sigma.items.isEmpty)

            let tagged = try await client.get("/alerts?tag=ATTACK.T1110")
            #expect(!tagged.items.isEmpty, "\(tagged.text)")
            #expect(
                tagged.items.allSatisfy {
                    (($0["tags"] as? [String]) ?? []).map { $0.lowercased() }.contains("attack.t1110")
                })
            #expect(try await client.get("/alerts?tag=attack.t111").items.isEmpty, "a tag matches whole")
            let both = try await client.get("/alerts?tag=attack.t1110&rule_format=ti")
            #expect(both.status == .ok && both.items.isEmpty, "\(both.text)")

            let bad = try await client.get("/alerts?rule_format=yaml")
            expectError(bad, .unprocessableContent)
            #expect((bad.json["detail"] as? String)?.contains("rule_format") == true)
            expectError(
                try await client.get("/alerts?tag=\(String(repeating: "t", count: 513))"), .unprocessableContent)
        }
    }

    /// A Sigma rule's alert carries its author, references, false positives and file, and the
    /// catalog counts its match.
    @Test func sigmaAlertsCarryTheRuleAuthor() async throws {
        try await Self.withRules(["c-sigma.yml": Self.sigma], ignoreLogsource: true) { client, _ async throws in
            let catalog = try await client.get("/rules?format=sigma")
            let rule = try #require(catalog.items.first, "\(catalog.text)")
            #expect(rule["status"] as? String == "loaded", "\(rule)")
            #expect(rule["author"] as? String == "Jane Doe, John Roe")
            #expect(rule["level"] as? String == "informational" && rule["severity"] as? String == "low")
            #expect(rule["logsource"] as? [String: String] == ["product": "linux", "category": "process_creation"])

            let ingest = try await client.post(
                "/ingest", #"{"message":"exec","fields":{"CommandLine":"/bin/sh -c sigma-token"}}"#)
            let alert = try #require((ingest.json["alerts"] as? [[String: Any]])?.first, "\(ingest.text)")
            #expect(alert["rule_id"] as? String == Self.sigmaID)
            let listed = try #require(try await client.get("/alerts?rule_format=sigma").items.first)
            for shown in [alert, listed] {
                #expect(shown["rule_format"] as? String == "sigma")
                #expect(shown["author"] as? String == "Jane Doe, John Roe")
                #expect(
                    shown["references"] as? [String] == ["https://example.org/sigma-token", "internal wiki page 42"])
                #expect(shown["falsepositives"] as? [String] == ["administrators testing tokens"])
                #expect((shown["rule_file"] as? String)?.hasSuffix("c-sigma.yml") == true)
            }
            let counted = try #require(try await client.get("/rules?format=sigma").items.first)
            #expect(counted["matches"] as? Int == 1)
        }
    }
}
