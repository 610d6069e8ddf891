import Foundation
import SIEMCore

/// A native rule's `threshold: {count: N, within: 5m, group_by: [source.ip], distinct: user.name}`:
/// one alert when `count` matching events of one group (or, with `distinct`, `count` distinct
/// values of that field) fall within `within`. Field names are native rule paths.
public struct Threshold: Sendable, Hashable {
    public var count: Int
    /// Seconds.
    public var within: TimeInterval
    public var groupBy: [String]
    public var distinct: String?

    public init(count: Int, within: TimeInterval, groupBy: [String] = [], distinct: String? = nil) {
        self.count = count
        self.within = within
        self.groupBy = groupBy
        self.distinct = distinct
    }
}

extension CorrelationRule {
    /// The correlation a native threshold rule stands for: its own matches (the rule at
    /// `position`) counted per group, firing at `count` or more.
    init(threshold: Threshold, of rule: Rule, at position: Int) {
        self.init(
            id: rule.id, title: rule.title, severity: rule.severity, description: rule.description, tags: rule.tags,
            metadata: rule.metadata, kind: threshold.distinct.map { .valueCount(field: $0) } ?? .eventCount,
            inputs: [.rule(position)], inputNames: [rule.id], groupBy: threshold.groupBy, timespan: threshold.within,
            condition: .atLeast(threshold.count), generate: false, suppression: rule.suppression)
    }

    /// Whether this correlation is a native rule's threshold (alerts of kind `threshold`), not a
    /// Sigma correlation rule.
    public var isThreshold: Bool { metadata.format == .native }
}

/// Links a rule set's correlations to what they reference: checks the inputs, decides which rules
/// and correlations raise alerts of their own (Sigma `generate`), and resolves where each input
/// reads its group fields.
enum CorrelationLinks {
    /// The most inputs one correlation may have (they are a bit mask per window entry).
    static let maxInputs = 32

    static func link(rules: inout [Rule], correlations: inout [CorrelationRule], skipped: inout [SkippedRule]) {
        // Inputs out of range, too many, or a cycle through inner correlations: no inputs.
        for index in correlations.indices {
            let correlation = correlations[index]
            var problem: String?
            if correlation.inputs.count > maxInputs {
                problem = "more than \(maxInputs) referenced rules"
            } else if correlation.inputs.isEmpty {
                problem = "no referenced rules"
            }
            for input in correlation.inputs where problem == nil {
                switch input {
                case .rule(let position) where !rules.indices.contains(position):
                    problem = "references rule position \(position), which does not exist"
                case .correlation(let position) where !correlations.indices.contains(position):
                    problem = "references correlation position \(position), which does not exist"
                default: continue
                }
            }
            if problem == nil, reachesItself(index, in: correlations) { problem = "its references form a cycle" }
            if let problem {
                skipped.append(
                    SkippedRule(
                        file: correlation.metadata.file, ruleID: correlation.id, title: correlation.title,
                        format: correlation.metadata.format, reason: problem))
                correlations[index].inputs = []
            }
        }
        var ruleReferences = [[Int]](repeating: [], count: rules.count)
        var correlationReferences = [[Int]](repeating: [], count: correlations.count)
        for (index, correlation) in correlations.enumerated() {
            for input in correlation.inputs {
                switch input {
                case .rule(let position): ruleReferences[position].append(index)
                case .correlation(let position): correlationReferences[position].append(index)
                }
            }
        }
        for position in rules.indices {
            let references = ruleReferences[position]
            rules[position].generates = references.isEmpty || references.contains { correlations[$0].generate }
        }
        // A native threshold rule always raises its own alerts: alerting per group and window is
        // what the rule is for, and Sigma's `generate` is about per-event matches.
        for index in correlations.indices {
            let references = correlationReferences[index]
            correlations[index].raisesAlerts =
                correlations[index].isThreshold || references.isEmpty
                || references.contains { correlations[$0].generate }
        }
        let groupBy = correlations.map(\.groupBy)
        for index in correlations.indices {
            correlations[index].resolveReaders { groupBy[$0] }
        }
    }

    /// Whether following inner correlations from `start` comes back to it.
    private static func reachesItself(_ start: Int, in correlations: [CorrelationRule]) -> Bool {
        var stack = [start]
        var seen: Set<Int> = []
        while let next = stack.popLast() {
            for case .correlation(let inner) in correlations[next].inputs where correlations.indices.contains(inner) {
                if inner == start { return true }
                if seen.insert(inner).inserted { stack.append(inner) }
            }
        }
        return false
    }
}
