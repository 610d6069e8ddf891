import Foundation
import SIEMCore
import SIEMTestSupport
import Testing

@testable import SIEMRules

@Suite struct RuleIndexTests {
    @Test func automatonFindsExactlyTheNeedlesPresent() {
        let needles = ["he", "she", "his", "hers", "USER=root", "a"]
        let automaton = LiteralAutomaton(needles: needles.map { Array($0.utf8) })
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("hesirUSER=ootaHX ")
        for _ in 0..<2000 {
            let text = String((0..<Int.random(in: 0...30, using: &generator)).map { _ in alphabet.randomElement()! })
            var found = Set<Int32>()
            automaton.scan(text) { found.insert($0) }
            let expected = Set(
                needles.indices.filter { text.lowercased().contains(needles[$0].lowercased()) }.map { Int32($0) })
            #expect(found == expected, "\(text)")
        }
    }

    /// The index only skips rules that cannot match: results equal full evaluation on the
    /// synthetic logs, with the default rules and with a large generated set.
    @Test func indexAgreesWithFullEvaluationOnSyntheticSamples() throws {
        let (folder, files) = try SampleFiles.synthetic()
        #expect(files.count >= 8, "synthetic samples not found at \(folder.path)")
        let (events, alerts) = try replay(files, in: folder)
        #expect(events > 5000)
        #expect(alerts > 1000)
    }

    /// The same on the real logs of the shared samples.
    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func indexAgreesWithFullEvaluationOnRealSamples() throws {
        let (folder, files) = try SampleFiles.shared()
        #expect(files.count >= 20, "shared samples not found at \(folder.path)")
        let (events, alerts) = try replay(files, in: folder)
        #expect(events > 3000)
        #expect(alerts > 1000)
    }

    /// The same with the rules spread over scopes: logsource groups (guarded, shared by several
    /// rules, and one no guard can select), rules for no event, and rules for every event.
    @Test func scopedIndexAgreesWithFullEvaluationOnSyntheticSamples() throws {
        let (folder, files) = try SampleFiles.synthetic()
        let scopes: [RuleScope] = [
            .everyEvent,
            .logsource(key: "windows", .exists(.fields(["EventID"]), true)),
            .logsource(key: "sshd", .contains(.message, [Needle("sshd[", ignoreCase: false)])),
            .logsource(
                key: "web",
                .any([
                    .contains(.message, [Needle("http/1.", ignoreCase: true)]),
                    .equals(.host, [Needle("h7", ignoreCase: false)]),
                ])),
            .logsource(key: "not-web", .not(.contains(.message, [Needle("HTTP/1.", ignoreCase: false)]))),
            .noEvent(reason: "unmapped"),
        ]
        let (events, alerts) = try replay(files, in: folder) { rules in
            rules.enumerated().map { position, rule in
                var rule = rule
                rule.scope = scopes[position % scopes.count]
                return rule
            }
        }
        #expect(events > 5000)
        #expect(alerts > 100)
    }

    /// Rules of one scope match only events in it; rules for no event never match; matches come
    /// in rule order across groups.
    @Test func scopesGateRulesAndKeepRuleOrder() throws {
        func rule(_ id: String, _ scope: RuleScope, contains needle: String) -> Rule {
            Rule(
                id: id, title: id, severity: .low, condition: .contains(.message, [Needle(needle, ignoreCase: false)]),
                scope: scope)
        }
        let linux = RuleScope.logsource(key: "linux", .equals(.logType, [Needle("auth", ignoreCase: false)]))
        let windows = RuleScope.logsource(
            key: "windows", .equals(.logType, [Needle("windows_security", ignoreCase: false)]))
        let set = RuleSet(rules: [
            rule("l1", linux, contains: "root"), rule("every", .everyEvent, contains: "root"),
            rule("w1", windows, contains: "root"), rule("none", .noEvent(reason: "x"), contains: "root"),
            rule("l2", linux, contains: "oo"), rule("w2", windows, contains: "r"),
        ])
        let now = Date()
        func ids(_ logType: String?, _ message: String) -> [String] {
            let event = Event(ts: now, receivedAt: now, source: "t", host: "h", message: message, logType: logType)
            let indexed = set.evaluate(event, at: now).map(\.ruleID)
            #expect(indexed == set.evaluateWithoutIndex(event, at: now).map(\.ruleID))
            #expect(set.matchingRules(event).map { set.rules[$0].id } == indexed)
            return indexed
        }
        #expect(ids("auth", "root login") == ["l1", "every", "l2"])
        #expect(ids("windows_security", "root login") == ["every", "w1", "w2"])
        #expect(ids("dns", "root login") == ["every"])
        #expect(ids("auth", "nothing") == [])
        #expect(ids(nil, "oot") == [])
    }

    /// Case-insensitive emoji needles are guarded by their bytes (no case or canonical variant of
    /// them exists); other non-ASCII case-insensitive needles are not, since folding them takes
    /// more than ASCII.
    @Test func emojiNeedlesAreGuardedOtherNonASCIIIsNot() {
        let emoji = Condition.contains(.message, ["😀", "👍🏽", "❤️", "🏴‍☠️"].map { Needle($0, ignoreCase: true) })
        let cyrillic = Condition.contains(.message, [Needle("Дом", ignoreCase: true)])
        let index = RuleIndex(conditions: [emoji, cyrillic])
        let set = RuleSet(rules: [
            Rule(id: "emoji", title: "", severity: .low, condition: emoji),
            Rule(id: "cyrillic", title: "", severity: .low, condition: cyrillic),
        ])
        let now = Date()
        let guarded: Set<String> = ["cmd /c echo 😀", "ok 👍🏽", "I ❤️ it", "🏴‍☠️", "дом 😀"]
        for text in guarded.sorted() + ["plain text", "ok 👍", "I ❤ it", "ДОМ", "K"] {
            let event = Event(ts: now, receivedAt: now, source: "t", host: "h", message: text)
            #expect(
                set.evaluate(event, at: now).map(\.ruleID) == set.evaluateWithoutIndex(event, at: now).map(\.ruleID),
                "\(text)")
            let selected = index.candidates(for: event)
            #expect(selected.contains(1), "the Cyrillic needle has no guard")
            #expect(selected.contains(0) == guarded.contains(text), "\(text)")
        }
    }

    /// Every line of `files` as an event through the indexed and the full evaluation: how many
    /// events and how many alerts. `scoped` may give the rules scopes.
    func replay(_ files: [String], in folder: URL, scoped: ([Rule]) -> [Rule] = { $0 }) throws -> (
        events: Int, alerts: Int
    ) {
        let defaults = try DefaultRules.load()
        var extra = "rules:\n"
        for index in 0..<300 {
            extra += "  - id: g\(index)\n    match:\n"
            switch index % 5 {
            case 0: extra += "      {contains: ['port \(index)', 'uid=\(index)'], ignore_case: true}\n"
            case 1: extra += "      {field: fields.EventID, equals: '\(4600 + index)'}\n"
            case 2: extra += "      {regex: 'from 10\\.\\d+\\.\\d+\\.\(index % 250)\\b'}\n"
            case 3: extra += "      {all: [{contains: GET}, {not: {contains: 'HTTP/1.\(index % 2)'}}]}\n"
            default: extra += "      {any: [{field: host, equals: h\(index)}, {startswith: '<\(index % 200)>'}]}\n"
            }
        }
        let set = RuleSet(rules: scoped(defaults.rules + (try RuleLoader.parse(yaml: extra))))
        let now = Date()
        var events = 0
        var alerts = 0
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                var fields: [String: JSONValue] = [:]
                if line.hasPrefix("{"),
                    case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))
                {
                    fields = object
                }
                var event = Event(
                    ts: now, receivedAt: now, source: "file", host: "h\(events % 300)", message: String(line),
                    fields: fields)
                event.ips = event.extractedIPs()
                let indexed = set.evaluate(event, at: now).map(\.ruleID)
                #expect(
                    indexed == set.evaluateWithoutIndex(event, at: now).map(\.ruleID), "\(file): \(line.prefix(120))")
                events += 1
                alerts += indexed.count
            }
        }
        return (events, alerts)
    }
}
