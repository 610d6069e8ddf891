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

    /// Every line of `files` as an event through the indexed and the full evaluation: how many
    /// events and how many alerts.
    func replay(_ files: [String], in folder: URL) throws -> (events: Int, alerts: Int) {
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
        let set = RuleSet(rules: defaults.rules + (try RuleLoader.parse(yaml: extra)))
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
