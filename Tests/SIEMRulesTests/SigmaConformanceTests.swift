import Foundation
import SIEMCore
import SIEMTestSupport
import Testing
import Yams

@testable import SIEMRules

/// SigmaHQ's rules through the native evaluator, against what the reference (pySigma 2.0.1 with
/// the SQLite backend) computes; see `shared/testdata/sigma/README.md`. Every rule is compiled with
/// `SigmaConfig.empty` and ignoring logsource. The suites pass with a printed note when the corpus
/// is absent.
@Suite struct SigmaConformanceTests {
    /// Disagreements with the reference on the generated events that are understood, each with its
    /// cause: the rule path, the line's position among that rule's lines (nil: every line of the
    /// rule), and why.
    static let divergences: [(rulePath: String, line: Int?, cause: String)] = []

    static func skipNote(_ suite: String) -> Bool {
        guard SigmaCorpus.present else {
            print("note: \(suite) skipped: no Sigma corpus at \(SigmaCorpus.folder.path)")
            return true
        }
        return false
    }

    @Test func rulesLoadExceptTheUnconvertedOnes() throws {
        if Self.skipNote("Sigma loading") { return }
        let rules = SigmaCorpus.rules
        var skipped: [String: [String]] = [:]
        for path in rules.paths {
            if case .skipped(let rule) = rules.outcomes[path]! { skipped[rule.reason, default: []].append(path) }
        }
        print("Sigma: \(rules.set.rules.count) of \(rules.paths.count) rules loaded in \(rules.seconds) s")
        for (reason, paths) in skipped.sorted(by: { $0.key < $1.key }) {
            print("  skipped (\(paths.count)): \(reason)")
            for path in paths { print("    \(path)") }
        }
        let unconverted = Set(
            (SigmaCorpus.json("reference-matrix.json")?.objectValue?["unconverted"].flatMap(Self.array) ?? [])
                .compactMap { $0.objectValue?["path"]?.stringValue })
        #expect(rules.paths.count == 3754)
        #expect(unconverted.count == 2)
        let unexpected = skipped.values.flatMap { $0 }.filter { !unconverted.contains($0) }
        #expect(unexpected.isEmpty, "skipped beyond the unconverted rules: \(unexpected)")
        #expect(rules.set.rules.count >= rules.paths.count - 2)
    }

    /// The two rules that use `%known_cdcs%` load once the configuration gives it values.
    @Test func placeholderRulesLoadWithConfiguredValues() throws {
        if Self.skipNote("Sigma placeholders") { return }
        let config = SigmaConfig(placeholders: ["known_cdcs": ["DC01$", "DC02*"]])
        let paths = [
            "rules-emerging-threats/2026/Exploits/CVE-2026-54121/win_security_adcs_certighost_cdc_chase_request.yml",
            "rules-emerging-threats/2026/Exploits/CVE-2026-54121/win_security_adcs_certighost_cert_issued_via_chase.yml",
        ]
        for path in paths {
            let text = SigmaCorpus.text("rules/" + path)
            #expect(text.contains("%known_cdcs%"))
            guard case .skipped(let skipped) = try SigmaCorpus.compile(text, file: path) else {
                Issue.record("\(path) loads without a value for known_cdcs")
                continue
            }
            #expect(skipped.reason.contains("%known_cdcs%"))
            guard case .rule(let rule) = try SigmaCorpus.compile(text, file: path, config: config) else {
                Issue.record("\(path) does not load with known_cdcs values")
                continue
            }
            #expect(rule.metadata.format == .sigma)
        }
    }

    @Test func regressionCasesReachTheirMinimumMatches() throws {
        if Self.skipNote("Sigma regression") { return }
        let rules = SigmaCorpus.rules
        let events = SigmaCorpus.regressionEvents
        #expect(events.count == 238)
        let cases = SigmaCorpus.json("regression/cases.json")?.objectValue?["cases"].flatMap(Self.array) ?? []
        #expect(cases.count == 202)
        var reached = 0
        for entry in cases {
            let object = entry.objectValue ?? [:]
            let path = object["rule_path"]?.stringValue ?? ""
            let indices = (object["events"].flatMap(Self.array) ?? []).compactMap(Self.int)
            let minimum = object["min_matches"].flatMap(Self.int) ?? 1
            guard let position = rules.position[path] else {
                Issue.record("regression case rule \(path) did not load")
                continue
            }
            let rule = rules.set.rules[position]
            let matched = indices.filter { rule.matches(events[$0]) }.count
            if matched >= minimum {
                reached += 1
            } else {
                Issue.record(
                    "\(object["case"]?.stringValue ?? path): \(matched) of \(indices.count) events, needs \(minimum)")
            }
        }
        print("Sigma regression: \(reached)/\(cases.count) cases reach min_matches")
    }

    @Test func referenceMatrixAgreesCellByCell() throws {
        if Self.skipNote("Sigma matrix") { return }
        let rules = SigmaCorpus.rules
        let events = SigmaCorpus.regressionEvents
        var matchedBy: [Int: Set<Int>] = [:]
        for (index, event) in events.enumerated() {
            for position in rules.set.matchingRules(event) { matchedBy[position, default: []].insert(index) }
        }
        let entries = SigmaCorpus.json("reference-matrix.json")?.objectValue?["rules"].flatMap(Self.array) ?? []
        #expect(entries.count == 3752)
        var mismatches: [String] = []
        var cells = 0
        for entry in entries {
            let object = entry.objectValue ?? [:]
            let path = object["path"]?.stringValue ?? ""
            let expected = Set((object["matches"].flatMap(Self.array) ?? []).compactMap(Self.int))
            cells += expected.count
            guard let position = rules.position[path] else {
                mismatches.append("\(path): not loaded")
                continue
            }
            let actual = matchedBy[position] ?? []
            if actual != expected {
                mismatches.append(
                    "\(path): missing \(expected.subtracting(actual).sorted()), extra \(actual.subtracting(expected).sorted())"
                )
            }
        }
        print("Sigma matrix: \(entries.count) rules, \(cells) expected cells, \(mismatches.count) rules differ")
        for line in mismatches { print("  " + line) }
        #expect(mismatches.isEmpty)
    }

    @Test func generatedEventsAgreeWithTheReference() throws {
        if Self.skipNote("Sigma generated") { return }
        let rules = SigmaCorpus.rules
        let lines = SigmaCorpus.generated
        #expect(lines.count == 32520)
        var agree = 0
        var byVariant: [String: (agree: Int, total: Int)] = [:]
        var lineOfRule: [String: Int] = [:]
        var undocumented: [String] = []
        var documented = 0
        for line in lines {
            let ordinal = lineOfRule[line.rulePath, default: 0]
            lineOfRule[line.rulePath] = ordinal + 1
            guard let position = rules.position[line.rulePath] else {
                undocumented.append("\(line.rulePath): not loaded")
                continue
            }
            let verdict = rules.set.rules[position].matches(line.event)
            let same = verdict == line.expected
            byVariant[line.variant, default: (0, 0)].total += 1
            if same {
                agree += 1
                byVariant[line.variant]!.agree += 1
            } else if Self.divergences.contains(where: {
                $0.rulePath == line.rulePath && ($0.line ?? ordinal) == ordinal
            }) {
                documented += 1
            } else {
                undocumented.append(
                    "\(line.rulePath) #\(ordinal) \(line.variant): expected \(line.expected), got \(verdict); event \(line.event.fields.jsonTextSorted)"
                )
            }
        }
        let share = Double(agree) / Double(max(lines.count, 1))
        print(
            "Sigma generated: \(agree)/\(lines.count) agree (\(String(format: "%.3f", share * 100)) %), \(documented) documented divergences"
        )
        for (variant, counts) in byVariant.sorted(by: { $0.key < $1.key }) {
            print("  \(variant): \(counts.agree)/\(counts.total)")
        }
        for line in undocumented.prefix(200) { print("  " + line) }
        #expect(share >= 0.999)
        #expect(undocumented.isEmpty, "\(undocumented.count) undocumented disagreements")
    }

    /// The index only selects candidates: with every SigmaHQ rule loaded, indexed and full
    /// evaluation raise the same alerts on the regression events, and an event visits few rules.
    @Test func indexNeverChangesAResult() throws {
        if Self.skipNote("Sigma index") { return }
        let set = SigmaCorpus.rules.set
        let now = Date()
        for event in SigmaCorpus.regressionEvents {
            let indexed = set.evaluate(event, at: now).map(\.ruleID)
            let full = set.evaluateWithoutIndex(event, at: now).map(\.ruleID)
            #expect(indexed == full, "\(event.fields.jsonTextSorted)")
        }
        let index = RuleIndex(conditions: set.rules.map(\.condition))
        let bare = SigmaCorpus.event([:])
        let unguarded = index.candidates(for: bare).map { set.rules[$0].metadata.file }
        let sample =
            SigmaCorpus.regressionEvents
            + SigmaCorpus.generated.enumerated().filter { $0.offset % 4 == 0 }.map(\.element.event)
        let visited = sample.reduce(0) { $0 + index.candidates(for: $1).count }
        let average = Double(visited) / Double(sample.count)
        print(
            "Sigma index: \(set.rules.count) rules, \(unguarded.count) unguarded, \(String(format: "%.1f", average)) candidates per event"
        )
        for file in unguarded { print("  unguarded: \(file)") }
        #expect(unguarded.count <= 40)
        #expect(average < 60)
    }

    static func array(_ value: JSONValue) -> [JSONValue]? {
        if case .array(let items) = value { return items }
        return nil
    }

    static func int(_ value: JSONValue) -> Int? {
        if case .int(let number) = value { return Int(number) }
        return nil
    }
}

extension [String: JSONValue] {
    var jsonTextSorted: String { JSONValue.jsonText(self) }
}
