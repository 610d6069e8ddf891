import Foundation
import SIEMCore
import Testing
import Yams

@testable import SIEMRules

/// The Sigma condition grammar, rule metadata and the reasons rules are skipped.
@Suite struct SigmaConditionTests {
    /// Searches `a`, `b`, `c`, `_private`: each true when the event has that field set to "1".
    func rule(_ condition: String) throws -> Rule {
        try SigmaSnippet.rule(
            "a: {A: 1}\nb: {B: 1}\nc: {C: 1}\n_private: {P: 1}\nsel_x: {X: 1}\nsel_y: {Y: 1}\ncondition: \(condition)")
    }

    func holds(_ condition: String, _ fields: String) throws -> Bool {
        var event: [String: JSONValue] = [:]
        for name in fields { event[String(name)] = 1 }
        return try rule(condition).matches(SigmaSnippet.event(event))
    }

    @Test func precedenceIsNotThenAndThenOr() throws {
        // a or b and c = a or (b and c)
        #expect(try holds("a or b and c", "A"))
        #expect(try !holds("a or b and c", "B"))
        #expect(try holds("a or b and c", "BC"))
        // not a and b = (not a) and b
        #expect(try holds("not a and b", "B"))
        #expect(try !holds("not a and b", "AB"))
        #expect(try !holds("not a and b", ""))
        // Parentheses override.
        #expect(try !holds("(a or b) and c", "A"))
        #expect(try holds("(a or b) and c", "AC"))
        #expect(try holds("not (a and b)", "A"))
        #expect(try holds("a and not b or c", "C"))
        #expect(try holds("NOT a AND b", "B"))
    }

    @Test func quantifiers() throws {
        #expect(try holds("1 of sel_*", "Y"))
        #expect(try !holds("1 of sel_*", "A"))
        #expect(try holds("all of sel_*", "XY"))
        #expect(try !holds("all of sel_*", "X"))
        #expect(try holds("any of sel_*", "X"))
        #expect(try holds("1 of them", "C"))
        // `them` leaves out identifiers starting with `_`.
        #expect(try !holds("1 of them", "P"))
        #expect(try holds("all of them", "ABCXY"))
        #expect(try holds("a and not 1 of sel_*", "A"))
        #expect(try !holds("a and not 1 of sel_*", "AX"))
        #expect(try holds("1 of a", "A"))
    }

    @Test func aConditionListIsAnyOfItsConditions() throws {
        let rule = try SigmaSnippet.rule("a: {A: 1}\nb: {B: 1}\ncondition:\n  - a\n  - b")
        #expect(rule.matches(SigmaSnippet.event(["B": 1])))
        #expect(!rule.matches(SigmaSnippet.event(["C": 1])))
    }

    @Test func badConditionsSkipTheRule() throws {
        func reason(_ condition: String) throws -> String {
            try SigmaSnippet.skipReason("a: {A: 1}\ncondition: \(condition)") ?? ""
        }
        #expect(try reason("a and missing").contains("unknown search identifier `missing`"))
        #expect(try reason("1 of nothing*").contains("matches no search identifier"))
        #expect(try reason("(a").contains("missing `)`"))
        #expect(try reason("a and").contains("ends where"))
        #expect(try reason("a a").contains("unexpected"))
        #expect(try reason("2 of a").contains("not supported"))
        #expect(try SigmaSnippet.skipReason("a: {A: 1}")?.contains("no `condition`") == true)
    }

    func compile(_ yaml: String) throws -> SigmaRuleCompiler.Outcome {
        try SigmaCorpus.compile(yaml, file: "rules/x.yml")
    }

    @Test func metadataIsKept() throws {
        let outcome = try compile(
            """
            title: Whoami
            id: 7f1c2b3a-0000-4000-8000-000000000001
            name: whoami_exec
            status: experimental
            description: Finds whoami.
            author: A. Author, B. Author
            references: [https://example.org/a]
            tags: [attack.discovery, attack.t1033, detection.threat-hunting]
            falsepositives: Admins
            level: informational
            logsource: {category: process_creation, product: windows}
            detection:
                sel: {Image|endswith: '\\whoami.exe'}
                condition: sel
            """)
        guard case .rule(let rule) = outcome else {
            Issue.record("skipped: \(outcome)")
            return
        }
        #expect(rule.id == "7f1c2b3a-0000-4000-8000-000000000001")
        #expect(rule.title == "Whoami")
        #expect(rule.severity == .low)
        #expect(rule.description == "Finds whoami.")
        #expect(rule.tags == ["attack.discovery", "attack.t1033", "detection.threat-hunting"])
        #expect(rule.metadata.format == .sigma)
        #expect(rule.metadata.file == "rules/x.yml")
        #expect(rule.metadata.author == "A. Author, B. Author")
        #expect(rule.metadata.references == ["https://example.org/a"])
        #expect(rule.metadata.falsePositives == ["Admins"])
        #expect(rule.metadata.status == "experimental")
        #expect(rule.metadata.level == "informational")
        #expect(rule.metadata.logsource == ["category": "process_creation", "product": "windows"])
        #expect(rule.metadata.name == "whoami_exec")
        guard case .everyEvent = rule.scope else {
            Issue.record("scope should be every event under ignoreLogsource")
            return
        }
        #expect(rule.matches(SigmaSnippet.event(["Image": "C:\\Windows\\System32\\WHOAMI.EXE"])))
    }

    @Test func levelsMapToSeverities() throws {
        for (level, severity) in [
            ("informational", Severity.low), ("low", .low), ("medium", .medium), ("high", .high),
            ("critical", .critical),
        ] {
            let outcome = try compile(
                "id: x\nlevel: \(level)\nlogsource: {product: linux}\ndetection: {sel: {A: 1}, condition: sel}")
            guard case .rule(let rule) = outcome else {
                Issue.record("\(level) skipped")
                continue
            }
            #expect(rule.severity == severity)
        }
        let missing = try compile("id: x\nlogsource: {product: linux}\ndetection: {sel: {A: 1}, condition: sel}")
        if case .rule(let rule) = missing {
            #expect(rule.severity == .medium)
            #expect(rule.metadata.level == nil)
        } else {
            Issue.record("a rule without level should load")
        }
    }

    @Test func skipReasons() throws {
        func reason(_ yaml: String) throws -> String? {
            if case .skipped(let skipped) = try compile(yaml) { return skipped.reason }
            return nil
        }
        let detection = "logsource: {product: linux}\ndetection: {sel: {A: 1}, condition: sel}"
        #expect(try reason("id: x\nstatus: deprecated\n" + detection) == "status is deprecated")
        #expect(try reason("id: x\nstatus: unsupported\n" + detection) == "status is unsupported")
        #expect(try reason("id: x\nstatus: test\n" + detection) == nil)
        #expect(try reason("title: no id\n" + detection) == "missing `id`")
        #expect(try reason("id: x\nlogsource: {product: linux}") == "missing `detection`")
        #expect(try reason("id: x\nlevel: extreme\n" + detection)?.contains("unknown level") == true)
        let correlation = try reason(
            "title: c\nid: c1\ncorrelation: {type: event_count, rules: [x], timespan: 5m, condition: {gte: 3}}")
        #expect(correlation?.hasPrefix("a correlation rule, not a detection rule") == true)
        #expect(SigmaRuleCompiler.isSigma(try requireNode(Yams.compose(yaml: "id: x\n" + detection))))
        #expect(!SigmaRuleCompiler.isSigma(try requireNode(Yams.compose(yaml: "rules: []"))))
    }

    /// Compiled Sigma rules: the index gives the same results as full evaluation, on events made
    /// to hit their literals, equalities and filters.
    @Test func indexAgreesWithFullEvaluationOnSigmaRules() throws {
        let detections = [
            "sel: {CommandLine|contains|windash: ' -enc '}\ncondition: sel",
            "sel: {Image|endswith: ['\\cmd.exe', '\\pwsh.exe']}\nf: {User: 'SYSTEM'}\ncondition: sel and not f",
            "sel: {EventID: 4688, NewProcessName|contains: 'ärger'}\ncondition: sel",
            "keywords: ['mimikatz', 'sekurlsa*logon']\ncondition: keywords",
            "sel: {Ip|cidr: '10.0.0.0/8'}\ncondition: not sel",
            "sel: {V|re: 'ab[0-9]+c'}\ncondition: sel",
            "sel: {V: 'x*y?z'}\ncondition: sel",
            "sel: {N|gt: 3}\ncondition: sel",
        ]
        let rules = try detections.enumerated().map { index, detection in
            var rule = try SigmaSnippet.rule(detection)
            rule.id = "r\(index)"
            return rule
        }
        let set = RuleSet(rules: rules)
        let events: [[String: JSONValue]] = [
            ["CommandLine": "powershell \u{2014}enc abc"], ["CommandLine": "powershell -ENC abc"],
            ["Image": "C:\\x\\CMD.exe", "User": "bob"], ["Image": "C:\\x\\cmd.exe", "User": "system"],
            ["EventID": 4688, "NewProcessName": "C:\\ÄRGER.exe"], ["EventID": "4688", "NewProcessName": "x"],
            ["a": "run sekurlsa::logonpasswords"], ["b": .array(["MIMIKATZ"])], ["Ip": "10.1.1.1"], ["Ip": "8.8.8.8"],
            ["V": "xxab123cxx"], ["V": "X1Y2Z"], ["N": 4], ["N": "2"], [:],
        ]
        let now = Date()
        for fields in events {
            let event = SigmaSnippet.event(fields)
            #expect(
                set.evaluate(event, at: now).map(\.ruleID) == set.evaluateWithoutIndex(event, at: now).map(\.ruleID))
        }
    }
}
