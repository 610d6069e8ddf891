import Foundation
import SIEMCore
import SIEMRules

/// Log lines through the pipeline `siemd check-rules` runs: `RuleTester` over `NormalizerSet` and
/// the rules, one line at a time.
struct LineReplay: Sendable {
    let analyzer: EventAnalyzer
    let tester: RuleTester
    /// Any fixed time: the rules do not read the clock.
    let now = Date(timeIntervalSince1970: 1_773_446_400)

    init(rules: RuleSet) {
        analyzer = EventAnalyzer(normalizer: NormalizerSet(), rules: rules)
        tester = RuleTester(analyzer: analyzer)
    }

    /// The ids of the rules `line` raises, in rule order (threat-intel matches aside: no IOCs here).
    func ruleIDs(_ line: String) throws -> [String] {
        var ids: [String] = []
        _ = try tester.run(Data(line.utf8), at: now) { match in
            let object = (try? JSONSerialization.jsonObject(with: Data(match.utf8))) as? [String: Any]
            if let id = object?["rule_id"] as? String, !id.hasPrefix("ti_") { ids.append(id) }
        }
        return ids
    }

    /// What the normalizers made of a plain text line, for the report of a missed line: the keys
    /// rules read most (`all`: every key).
    func normalized(_ line: String, all: Bool = false) -> String {
        let event = analyzer.analyze(
            Event(ts: now, receivedAt: now, source: "file", host: "unknown", message: line), at: now
        ).event
        let keys =
            all
            ? event.normalized.keys.sorted()
            : ["event.dataset", "event.action", "event.outcome", "process.name", "url.path", "file.path"]
        return keys.compactMap { key in event.normalized[key]?.scalarText.map { "\(key)=\($0)" } }
            .joined(separator: " ")
    }
}
