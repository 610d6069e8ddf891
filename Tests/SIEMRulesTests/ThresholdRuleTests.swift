import Foundation
import SIEMCore
import SIEMTestSupport
import Testing

@testable import SIEMRules

/// Loading of native thresholds and suppression, the Sigma configuration's `suppress`, Sigma
/// correlation rules that cannot load, and what check-rules prints for a threshold alert.
@Suite struct ThresholdRuleTests {
    func error(_ yaml: String) -> RuleError? {
        do {
            _ = try RuleLoader.parse(yaml: yaml, file: "test.yml")
            return nil
        } catch {
            return error
        }
    }

    @Test func nativeThresholdAndSuppressLoad() throws {
        let rules = try RuleLoader.parse(
            yaml: """
                rules:
                  - id: ssh_spray
                    severity: high
                    match: {contains: Failed password}
                    threshold: {count: 5, within: 2m, group_by: [source.ip, host], distinct: user.name}
                    suppress: {by: [source.ip], for: 1h}
                  - id: plain
                    match: {contains: x}
                    suppress: {by: source.ip, for: 30s}
                """)
        let threshold = try #require(rules[0].threshold)
        #expect(threshold == Threshold(count: 5, within: 120, groupBy: ["source.ip", "host"], distinct: "user.name"))
        #expect(rules[0].suppression == Suppression(by: ["source.ip"], window: 3600))
        #expect(rules[0].suppression?.fields == [.normalized("source.ip")])
        #expect(rules[1].threshold == nil)
        #expect(rules[1].suppression?.window == 30)
        let set = RuleSet(rules: rules)
        #expect(set.correlations.count == 1)
        let correlation = set.correlations[0]
        #expect(correlation.kind == .valueCount(field: "user.name"))
        #expect(correlation.condition == .atLeast(5))
        #expect(correlation.timespan == 120)
        #expect(correlation.severity == .high)
        #expect(correlation.suppression == rules[0].suppression)
        #expect(correlation.inputs == [.rule(0)])
        #expect(!set.rules[0].generates)
        #expect(set.rules[1].generates)
    }

    @Test func suppressionKeysFoldAndKeepAbsentFields() {
        let suppression = Suppression(by: ["source.ip", "fields.user"], window: 60)
        func event(_ ip: String?, _ user: String?) -> Event {
            var normalized: [String: JSONValue] = [:]
            if let ip { normalized["source.ip"] = .string(ip) }
            var fields: [String: JSONValue] = [:]
            if let user { fields["user"] = .string(user) }
            return Event(
                ts: Date(), receivedAt: Date(), source: "s", host: "h", message: "", fields: fields,
                normalized: normalized)
        }
        #expect(suppression.key(for: event("1.2.3.4", "Bob")) == suppression.key(for: event("1.2.3.4", "bob")))
        #expect(suppression.key(for: event("1.2.3.4", "bob")) != suppression.key(for: event("1.2.3.5", "bob")))
        #expect(suppression.key(for: event(nil, "bob")) != suppression.key(for: event("1.2.3.4", "bob")))
        #expect(suppression.key(for: event(nil, "bob")) == suppression.key(for: event(nil, "BOB")))
        #expect(suppression.values(in: event("1.2.3.4", nil)) == [.string("1.2.3.4"), nil])
    }

    @Test func badThresholdsAndSuppressionsAreTheFilesErrorWithALine() {
        let cases: [(yaml: String, line: Int, problem: String)] = [
            ("    threshold: {count: 0, within: 5m}\n", 3, "`threshold` → `count` must be a whole number"),
            ("    threshold: {count: many, within: 5m}\n", 3, "`threshold` → `count` must be a whole number"),
            ("    threshold: {count: 3}\n", 3, "`threshold` needs `within`"),
            ("    threshold: {count: 3, within: 5 minutes}\n", 3, "`threshold` → `within` must be"),
            ("    threshold: {count: 3, within: 5M}\n", 3, "`threshold` → `within` must be"),
            ("    threshold: {count: 3, within: 5m, group_by: {a: b}}\n", 3, "`group_by` must be"),
            ("    threshold: {count: 3, within: 5m, distinct: [a]}\n", 3, "`distinct` must be a field name"),
            ("    threshold: {count: 3, within: 5m, by: [a]}\n", 3, "unknown threshold key `by`"),
            ("    threshold: 3\n", 3, "`threshold` must be a mapping"),
            ("    suppress: {by: [a]}\n", 3, "`suppress` needs `for`"),
            ("    suppress: {by: [a], for: 0h}\n", 3, "`suppress` → `for` must be"),
            ("    suppress: {by: [a], for: 1h, per: x}\n", 3, "unknown suppress key `per`"),
        ]
        for (yaml, line, problem) in cases {
            let text = "rules:\n  - id: r1\n" + yaml + "    match: {contains: x}\n"
            let failure = error(text)
            #expect(failure?.ruleID == "r1", "\(yaml)")
            #expect(failure?.line == line, "\(yaml): \(failure?.description ?? "no error")")
            #expect(failure?.problem.contains(problem) == true, "\(yaml): \(failure?.problem ?? "no error")")
        }
        #expect(error("rules:\n  - id: r1\n    threshold: {count: 3, within: 5m}\n    match: {contains: x}\n") == nil)
    }

    @Test func timespansParseStrictly() {
        #expect(Timespan.parse("30s") == 30)
        #expect(Timespan.parse("5m") == 300)
        #expect(Timespan.parse("2h") == 7200)
        #expect(Timespan.parse("1d") == 86400)
        for bad in ["", "m", "5", "0m", "-5m", "+5m", "5M", "5 m", "1.5h", "5w"] {
            #expect(Timespan.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func sigmaConfigurationSuppressPerRuleAndPerLevel() throws {
        let config = try SigmaConfig.parse(
            yaml: """
                fields:
                  Computer: [fields.Computer, host.hostname]
                suppress:
                  rules:
                    rule-1: {by: [Computer, TargetUserName], for: 2h}
                  levels:
                    low: {by: [host], for: 1h}
                    high: {by: [], for: 10m}
                """, file: "config.yml")
        let byID = try #require(config.suppression(forRule: "rule-1", level: "low"))
        #expect(byID.by == ["Computer", "TargetUserName"])
        #expect(byID.window == 7200)
        #expect(byID.fields[0] == SigmaDetection.reference(for: "Computer", config: config))
        let event = Event(
            ts: Date(), receivedAt: Date(), source: "s", host: "web1", message: "",
            fields: ["targetusername": .string("Bob")])
        #expect(byID.values(in: event) == [nil, .string("Bob")])
        #expect(config.suppression(forRule: "other", level: "low")?.window == 3600)
        #expect(config.suppression(forRule: "other", level: "informational")?.window == 3600)
        #expect(config.suppression(forRule: "other", level: "low")?.values(in: event) == [.string("web1")])
        #expect(config.suppression(forRule: "other", level: "high")?.by == [])
        #expect(config.suppression(forRule: "other", level: "medium") == nil)
        #expect(config.suppression(forRule: "other", level: nil) == nil)
    }

    @Test func shippedConfigurationFoldsRepeatsOfLowRulesPerHost() throws {
        let path = TestData.repositoryRoot.appendingPathComponent("rules/sigma/config.yml").path
        let config = try SigmaConfig.parse(yaml: try String(contentsOfFile: path, encoding: .utf8), file: path)
        for level in ["informational", "low"] {
            let suppression = try #require(config.suppression(forRule: "any", level: level))
            #expect(suppression.by == ["host"])
            #expect(suppression.window == 3600)
        }
        for level in ["medium", "high", "critical"] { #expect(config.suppression(forRule: "any", level: level) == nil) }
    }

    @Test func sigmaConfigurationSuppressErrorsNameTheLine() {
        let cases: [(yaml: String, line: Int, problem: String)] = [
            ("suppress:\n  level: {}\n", 2, "unknown `suppress` key `level`"),
            ("suppress:\n  levels:\n    severe: {by: [host], for: 1h}\n", 3, "unknown level `severe`"),
            ("suppress:\n  levels:\n    low: {by: [host]}\n", 3, "needs `for`"),
            ("suppress:\n  rules:\n    r: {by: [host], for: soon}\n", 3, "`for` must be"),
            ("suppress:\n  rules: [r]\n", 2, "must map rule ids"),
        ]
        for (yaml, line, problem) in cases {
            do {
                _ = try SigmaConfig.parse(yaml: yaml, file: "config.yml")
                Issue.record("no error for \(yaml)")
            } catch {
                #expect(error.line == line, "\(yaml): \(error)")
                #expect(error.problem.contains(problem), "\(yaml): \(error)")
            }
        }
    }

    @Test func sigmaRulesGetTheirSuppressionWhenLoaded() throws {
        let config = try SigmaConfig.parse(
            yaml: "suppress:\n  levels:\n    low: {by: [host], for: 1h}\n", file: "config.yml")
        let text = """
            title: Low one
            id: low-1
            level: low
            logsource: {product: linux}
            detection: {sel: {a: 1}, condition: sel}
            ---
            title: High one
            id: high-1
            level: high
            logsource: {product: linux}
            detection: {sel: {a: 1}, condition: sel}
            """
        let set = RuleCollection.load(
            [RuleLoader.File(path: "r.yml", text: text)], options: RuleCollection.Options(sigma: config))
        #expect(set.rules.map(\.id) == ["low-1", "high-1"])
        #expect(set.rules[0].suppression?.window == 3600)
        #expect(set.rules[1].suppression == nil)
    }

    static let base = """
        title: Failed logon
        id: base-1
        name: failed_logon
        logsource: {product: windows}
        detection: {sel: {EventID: 4625}, condition: sel}
        """

    func skipReason(_ correlation: String) -> String? {
        let text = Self.base + "\n---\n" + correlation
        let set = RuleCollection.load(
            [RuleLoader.File(path: "c.yml", text: text)], options: RuleCollection.Options(ignoreLogsource: true))
        return set.skipped.first?.reason
    }

    @Test func sigmaCorrelationsThatCannotLoadAreSkippedWithTheReason() {
        func correlation(_ body: String, id: String = "c1") -> String {
            "title: c\nid: \(id)\ncorrelation:\n" + body
        }
        let good = "  type: event_count\n  rules: [failed_logon]\n  group-by: [TargetUserName]\n  timespan: 5m\n"
        #expect(skipReason(correlation(good + "  condition: {gte: 3}\n")) == nil)
        #expect(
            skipReason(
                correlation(
                    good.replacingOccurrences(of: "[failed_logon]", with: "[base-1]") + "  condition: {gte: 3}\n"))
                == nil)
        #expect(
            skipReason(
                correlation(good.replacingOccurrences(of: "failed_logon", with: "nope") + "  condition: {gte: 3}\n"))
                == "references `nope`, which names no loaded rule or correlation")
        #expect(
            skipReason(correlation(good.replacingOccurrences(of: "5m", with: "5 min") + "  condition: {gte: 3}\n"))?
                .hasPrefix("bad timespan `5 min`") == true)
        #expect(
            skipReason(
                correlation(good.replacingOccurrences(of: "event_count", with: "value_sum") + "  condition: {gte: 3}\n")
            )?
            .hasPrefix("unsupported correlation type `value_sum`") == true)
        #expect(skipReason(correlation(good)) == "`correlation` needs a `condition`")
        #expect(
            skipReason(correlation(good + "  condition: {ge: 3}\n"))?.hasPrefix("unknown condition operator `ge`")
                == true)
        #expect(
            skipReason(correlation(good + "  condition: {gte: 3, gt: 4}\n"))?.hasPrefix("a range condition") == true)
        #expect(
            skipReason(correlation(good + "  condition: {gte: lots}\n"))?.hasPrefix(
                "condition `gte` needs a whole number") == true)
        #expect(
            skipReason(
                correlation(
                    good.replacingOccurrences(of: "event_count", with: "value_count") + "  condition: {gte: 3}\n"))
                == "value_count needs `condition` → `field`")
        // A cycle: two correlations over each other; a third over the cycle is skipped too, and
        // the base rule and an unrelated correlation still load.
        let text =
            Self.base + """

                ---
                title: a
                id: a
                name: corr_a
                correlation: {type: temporal, rules: [corr_b, failed_logon], timespan: 1m}
                ---
                title: b
                id: b
                name: corr_b
                correlation: {type: temporal, rules: [corr_a, failed_logon], timespan: 1m}
                ---
                title: c
                id: c
                correlation: {type: event_count, rules: [corr_a], timespan: 1m, condition: {gte: 2}}
                ---
                title: d
                id: d
                correlation: {type: event_count, rules: [failed_logon], timespan: 1m, condition: {gte: 2}}
                ---
                title: e
                id: base-1
                correlation: {type: event_count, rules: [failed_logon], timespan: 1m, condition: {gte: 2}}
                """
        let set = RuleCollection.load(
            [RuleLoader.File(path: "c.yml", text: text)], options: RuleCollection.Options(ignoreLogsource: true))
        let reasons = Dictionary(set.skipped.map { ($0.ruleID ?? "", $0.reason) }) { first, _ in first }
        #expect(reasons["a"]?.hasPrefix("its references form a cycle") == true)
        #expect(reasons["b"]?.hasPrefix("its references form a cycle") == true)
        #expect(reasons["c"] == "references `a`, which was skipped")
        #expect(reasons["base-1"]?.hasPrefix("duplicate id") == true)
        #expect(set.correlations.map(\.id) == ["d"])
        #expect(set.rules.map(\.id) == ["base-1"])
        #expect(!set.rules[0].generates)
    }

    @Test func correlationsResolveAcrossFilesAndGenerateKeepsBaseAlerts() {
        let correlation = """
            title: c
            id: c1
            generate: true
            correlation: {type: event_count, rules: [failed_logon], timespan: 1m, condition: {gte: 2}}
            """
        let set = RuleCollection.load(
            [RuleLoader.File(path: "c.yml", text: correlation), RuleLoader.File(path: "base.yml", text: Self.base)],
            options: RuleCollection.Options(ignoreLogsource: true))
        #expect(set.skipped.isEmpty)
        #expect(set.correlations.first?.inputs == [.rule(0)])
        #expect(set.correlations.first?.generate == true)
        #expect(set.rules[0].generates)
    }

    /// A Sigma correlation over a native threshold rule counts the threshold's alerts, not each
    /// matching event; the threshold still raises its own alert, the login rule (referenced with
    /// `generate: false`) none.
    @Test func sigmaCorrelationOverANativeThresholdCountsItsAlerts() throws {
        let native = """
            rules:
              - id: brute
                match: {field: fields.msg, equals: fail}
                threshold: {count: 3, within: 5m, group_by: [fields.ip, fields.host]}
              - id: login
                match: {field: fields.msg, equals: ok}
            """
        let sequence = """
            title: Login after brute force
            id: login_after_brute
            correlation:
                type: temporal_ordered
                rules: [brute, login]
                group-by: [fields.ip]
                timespan: 1h
            """
        let set = RuleCollection.load([
            RuleLoader.File(path: "native.yml", text: native), RuleLoader.File(path: "seq.yml", text: sequence),
        ])
        #expect(set.skipped.isEmpty, "\(set.skipped.map(\.reason))")
        #expect(set.correlations.map(\.id) == ["login_after_brute", "brute"])
        #expect(set.correlations[0].inputs == [.correlation(1), .rule(1)])
        #expect(set.correlations.allSatisfy { $0.raisesAlerts })
        #expect(set.rules.map(\.generates) == [false, false])
        func line(_ seconds: Int, _ msg: String, _ ip: String) -> String {
            #"{"timestamp":"2024-05-01T10:00:\#(String(format: "%02d", seconds))Z","msg":"\#(msg)","ip":"\#(ip)","host":"h"}"#
        }
        let lines = [
            line(0, "fail", "203.0.113.9"), line(1, "ok", "198.51.100.1"), line(2, "fail", "198.51.100.1"),
            line(3, "ok", "198.51.100.1"), line(10, "fail", "203.0.113.9"), line(20, "fail", "203.0.113.9"),
            line(30, "ok", "203.0.113.9"),
        ]
        var output: [String] = []
        _ = try RuleTester(analyzer: EventAnalyzer(rules: set)).run(
            Data(lines.joined(separator: "\n").utf8), at: Date(), quiet: true
        ) { output.append($0) }
        #expect(
            output == [
                #"{"rule_id":"brute","kind":"threshold","group":{"fields.ip":"203.0.113.9","fields.host":"h"},"#
                    + #""first_window_end":"2024-05-01T10:00:20.000Z","count":3,"lines":[1,5,6]}"#,
                #"{"rule_id":"login_after_brute","kind":"correlation","group":{"fields.ip":"203.0.113.9"},"#
                    + #""first_window_end":"2024-05-01T10:00:30.000Z","count":4,"lines":[1,5,6,7]}"#,
            ])
    }

    @Test func checkRulesPrintsThresholdAlertsAfterTheLastLine() throws {
        let set = RuleSet(
            rules: try RuleLoader.parse(
                yaml: """
                    rules:
                      - id: ssh_brute
                        match: {field: fields.msg, contains: Failed password}
                        threshold: {count: 3, within: 1m, group_by: [fields.ip]}
                      - id: any_failure
                        match: {field: fields.msg, contains: Failed}
                    """))
        let lines = [
            #"{"timestamp":"2024-05-01T10:00:00Z","msg":"Failed password","ip":"203.0.113.45"}"#,
            #"{"timestamp":"2024-05-01T10:00:10Z","msg":"Failed password","ip":"198.51.100.1"}"#,
            #"{"timestamp":"2024-05-01T10:00:20Z","msg":"Failed password","ip":"203.0.113.45"}"#,
            #"{"timestamp":"2024-05-01T10:00:30.250Z","msg":"Failed password","ip":"203.0.113.45"}"#,
            #"{"timestamp":"2024-05-01T10:00:40Z","msg":"Failed password","ip":"203.0.113.45"}"#,
            #"{"timestamp":"2024-05-01T10:02:00Z","msg":"Failed password","ip":"198.51.100.1"}"#,
        ]
        var output: [String] = []
        let count = try RuleTester(analyzer: EventAnalyzer(rules: set)).run(
            Data(lines.joined(separator: "\n").utf8), at: Date(), quiet: true
        ) { output.append($0) }
        #expect(count == 7)
        #expect(output.count == 7)
        #expect(output.prefix(6).allSatisfy { $0.hasPrefix(#"{"rule_id":"any_failure","line":"#) })
        #expect(
            output.last
                == #"{"rule_id":"ssh_brute","kind":"threshold","group":{"fields.ip":"203.0.113.45"},"#
                + #""first_window_end":"2024-05-01T10:00:30.250Z","count":4,"lines":[1,3,4,5]}"#)
    }
}
