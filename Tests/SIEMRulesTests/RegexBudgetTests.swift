import Foundation
import SIEMCore
import Testing

@testable import SIEMRules

/// Rule regexes are the admin's, log text is the attacker's: a pathological pair must end.
@Suite struct RegexBudgetTests {
    // `(a+)+$` against "aaa…a!" backtracks through 2^n splits before failing: with 60 letters,
    // centuries of work without a bound.
    let pathological = try! NSRegularExpression(pattern: "^(a+)+$")
    let attack = String(repeating: "a", count: 60) + "!"

    @Test(.timeLimit(.minutes(1))) func catastrophicBacktrackingIsCutShort() {
        #expect(RegexBudget.search(pathological, in: attack) == .exhausted)
        // The same pattern still works on input that does not explode.
        #expect(RegexBudget.search(pathological, in: "aaaa") == .matched)
        #expect(RegexBudget.search(pathological, in: "aab") == .notMatched)
    }

    @Test(.timeLimit(.minutes(1))) func aPathologicalRuleCannotStallTheAnalyzer() throws {
        let rules = try RuleLoader.parse(
            yaml: """
                rules:
                  - id: redos
                    match: {regex: '^(a+)+$'}
                  - id: plain
                    match: {contains: "aaaa"}
                """)
        let analyzer = EventAnalyzer(rules: RuleSet(rules: rules))
        let event = Event(ts: .now, receivedAt: .now, source: "syslog", host: "h", message: attack)
        // Analysis returns, and the other rules still see the event.
        let alerts = analyzer.analyze(event, at: .now).alerts.map(\.ruleID)
        #expect(alerts == ["plain"])
    }

    @Test func longValuesAreSearchedWithinTheInputBound() {
        let expression = try! NSRegularExpression(pattern: "needle")
        let early = String(repeating: "x", count: 1000) + "needle" + String(repeating: "y", count: 100_000)
        #expect(RegexBudget.search(expression, in: early) == .matched)
        let late = String(repeating: "x", count: RegexBudget.maxInputUTF16) + "needle"
        #expect(RegexBudget.search(expression, in: late) == .notMatched)
    }
}
