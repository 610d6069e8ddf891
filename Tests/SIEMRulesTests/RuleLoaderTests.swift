import Foundation
import SIEMCore
import SIEMTestSupport
import Testing

@testable import SIEMRules

@Suite struct RuleLoaderTests {
    func error(_ yaml: String) -> RuleError? {
        do {
            _ = try RuleLoader.parse(yaml: yaml, file: "test.yml")
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultRulesLoadAndAreUseful() throws {
        let set = try DefaultRules.load()
        #expect(set.rules.count >= 12)
        let ids = Set(set.rules.map(\.id))
        for required in [
            "ssh_failed_password", "ssh_invalid_user", "sudo_auth_failure", "sudo_root_shell", "web_path_traversal",
            "web_sql_injection", "web_scanner_user_agent", "firewall_block", "windows_failed_logon",
            "powershell_encoded_command", "edr_new_listening_socket",
        ] {
            #expect(ids.contains(required), "missing \(required)")
        }
    }

    @Test func yamlErrorNamesFile() {
        let failure = error("rules:\n  - id: a\n    match: [unclosed\n")
        #expect(failure?.file == "test.yml")
        #expect(failure?.problem.hasPrefix("YAML error") == true)
    }

    @Test func unknownKeyNamesRuleAndKey() {
        let failure = error("rules:\n  - id: r1\n    sevrity: high\n    match: {contains: x}\n")
        #expect(failure?.ruleID == "r1")
        #expect(failure?.problem.contains("unknown key `sevrity`") == true)
        #expect(failure?.line == 3)
        let nested = error("rules:\n  - id: r2\n    match: {all: [{field: message, contain: x}]}\n")
        #expect(nested?.ruleID == "r2")
        #expect(nested?.problem.contains("`contain`") == true)
    }

    @Test func badRegexNamesRule() {
        let failure = error("rules:\n  - id: r3\n    match: {regex: \"(unclosed\"}\n")
        #expect(failure?.ruleID == "r3")
        #expect(failure?.problem.contains("bad regex") == true)
    }

    @Test func missingAndDuplicateIDs() {
        #expect(error("rules:\n  - title: t\n    match: {contains: x}\n")?.problem == "missing `id`")
        let duplicate = error("rules:\n  - id: d\n    match: {contains: x}\n  - id: d\n    match: {contains: y}\n")
        #expect(duplicate?.ruleID == "d")
        #expect(duplicate?.problem == "duplicate id")
    }

    @Test func badSeverity() {
        let failure = error("rules:\n  - id: s\n    severity: urgent\n    match: {contains: x}\n")
        #expect(failure?.problem.contains("unknown severity `urgent`") == true)
        #expect(failure?.description.hasPrefix("test.yml:3: rule `s`:") == true)
    }

    @Test func conditionNeedsExactlyOneMatcher() {
        #expect(error("rules:\n  - id: c\n    match: {contains: x, equals: y}\n") != nil)
        #expect(error("rules:\n  - id: c\n    match: {field: message}\n") != nil)
        #expect(error("rules:\n  - id: c\n    match: {any: []}\n") != nil)
    }

    @Test func filesLoadInOrderAndRejectDuplicatesAcrossFiles() throws {
        let b = RuleLoader.File(path: "b.yml", text: "rules:\n  - id: b\n    match: {contains: x}\n")
        let a = RuleLoader.File(path: "a.yaml", text: "rules:\n  - id: a\n    match: {contains: x}\n")
        #expect(try RuleLoader.load([a, b]).rules.map(\.id) == ["a", "b"])
        let again = RuleLoader.File(path: "c.yml", text: "rules:\n  - id: a\n    match: {contains: y}\n")
        #expect(throws: RuleError.self) { try RuleLoader.load([a, b, again]) }
        let duplicate = #expect(throws: RuleError.self) { try RuleLoader.load([a, again]) }
        #expect(duplicate?.file == "c.yml")
        #expect(duplicate?.problem == "duplicate id (also in a.yaml)")
    }

    @Test func disabledRulesAreSkipped() throws {
        let rules = try RuleLoader.parse(yaml: "rules:\n  - id: off\n    enabled: false\n    match: {contains: x}\n")
        #expect(rules.isEmpty)
    }
}
