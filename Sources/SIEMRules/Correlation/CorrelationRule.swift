import Foundation
import SIEMCore

/// A stateful rule over the matches of other rules in a sliding window of event time: a Sigma
/// correlation rule, or a native rule's `threshold`. `CorrelationEngine` evaluates it.
public struct CorrelationRule: Sendable {
    public enum Kind: Sendable, Hashable {
        /// Matching events in the window.
        case eventCount
        /// Distinct values of `field` among the matching events in the window.
        case valueCount(field: String)
        /// Referenced rules with a match in the window, in any order.
        case temporal
        /// Referenced rules matched in the window in the order listed, each strictly later.
        case temporalOrdered

        var name: String {
            switch self {
            case .eventCount: "event_count"
            case .valueCount: "value_count"
            case .temporal: "temporal"
            case .temporalOrdered: "temporal_ordered"
            }
        }
    }

    /// What a correlation counts: matches of a rule (a position in `RuleSet.rules`) or alerts of
    /// another correlation (a position in `RuleSet.correlations`).
    public enum Input: Sendable, Hashable {
        case rule(Int)
        case correlation(Int)
    }

    public var id: String
    public var title: String
    public var severity: Severity
    public var description: String
    public var tags: [String]
    public var metadata: RuleMetadata
    public var kind: Kind
    public var inputs: [Input]
    /// The names of the fields (or aliases) a group is keyed by, in order; empty: one group.
    public var groupBy: [String]
    /// Alias name → the name of the referenced rule as written in `rules` → the field read there.
    public var aliases: [String: [String: String]]
    /// Seconds.
    public var timespan: TimeInterval
    public var condition: CorrelationCondition
    /// Sigma `generate`: whether the rules this one references also raise their own alerts.
    public var generate: Bool
    public var suppression: Suppression?
    /// Whether this correlation's windows raise alerts: false for a Sigma correlation referenced
    /// only by correlations with `generate: false` (a native threshold always raises them); set by
    /// `RuleSet`.
    public internal(set) var raisesAlerts = true

    /// The references in `rules` as written (names or ids), per input: what `aliases` name.
    public var inputNames: [String]
    /// Where a field name (of `groupBy`, an alias target, `valueCount`) is read; a name not here
    /// is read as a native rule path (`source.ip`, `fields.user`). Sigma correlations resolve their
    /// names through the Sigma configuration at load.
    public var fieldReferences: [String: FieldRef]

    /// Per input, per `groupBy` entry: where the group value is read; set by `RuleSet`.
    var groupReaders: [[FieldReader]] = []
    /// Per input: where the counted value of `valueCount` is read (nil for other kinds).
    var valueReaders: [FieldReader?] = []

    /// Where an input's field is read.
    enum FieldReader: Sendable {
        case event(FieldRef)
        /// A position in the referenced correlation's group values; nil: it has no such field.
        case group(Int?)
    }

    public init(
        id: String, title: String, severity: Severity, description: String = "", tags: [String] = [],
        metadata: RuleMetadata = RuleMetadata(), kind: Kind, inputs: [Input], inputNames: [String]? = nil,
        groupBy: [String] = [], aliases: [String: [String: String]] = [:], timespan: TimeInterval,
        condition: CorrelationCondition, generate: Bool = false, suppression: Suppression? = nil,
        fieldReferences: [String: FieldRef] = [:]
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.description = description
        self.tags = tags
        self.metadata = metadata
        self.kind = kind
        self.inputs = inputs
        self.inputNames = inputNames ?? inputs.map { _ in "" }
        self.groupBy = groupBy
        self.aliases = aliases
        self.timespan = timespan
        self.condition = condition
        self.generate = generate
        self.suppression = suppression
        self.fieldReferences = fieldReferences
    }

    /// The field an input reads for `name`: its alias target for that input, else `name`.
    func field(_ name: String, input position: Int) -> String {
        guard let perRule = aliases[name], inputNames.indices.contains(position) else { return name }
        return perRule[inputNames[position]] ?? name
    }

    /// Resolves where each input reads its fields; `groupBy(of:)` gives an inner correlation's.
    mutating func resolveReaders(groupBy innerGroupBy: (Int) -> [String]) {
        func reader(_ name: String, input position: Int) -> FieldReader {
            let target = field(name, input: position)
            if case .correlation(let inner) = inputs[position] {
                let folded = target.lowercased()
                return .group(innerGroupBy(inner).firstIndex { $0.lowercased() == folded })
            }
            return .event(fieldReferences[target] ?? FieldRef(path: target))
        }
        groupReaders = inputs.indices.map { position in groupBy.map { reader($0, input: position) } }
        valueReaders = inputs.indices.map { position in
            if case .valueCount(let name) = kind { return reader(name, input: position) }
            return nil
        }
    }
}

/// When a window's count (events, distinct values, or referenced rules) makes a correlation fire:
/// every term holds (`gte: 3`, or a range `gt: 100, lte: 200`).
public struct CorrelationCondition: Sendable, Hashable, CustomStringConvertible {
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case gt, gte, lt, lte, eq
    }

    public struct Term: Sendable, Hashable {
        public var op: Operator
        public var value: Int

        public init(_ op: Operator, _ value: Int) {
            self.op = op
            self.value = value
        }
    }

    public var terms: [Term]

    public init(_ terms: [Term]) {
        self.terms = terms
    }

    public static func atLeast(_ count: Int) -> CorrelationCondition { CorrelationCondition([Term(.gte, count)]) }

    @inline(__always)
    public func holds(_ count: Int) -> Bool {
        for term in terms {
            let holds: Bool
            switch term.op {
            case .gt: holds = count > term.value
            case .gte: holds = count >= term.value
            case .lt: holds = count < term.value
            case .lte: holds = count <= term.value
            case .eq: holds = count == term.value
            }
            if !holds { return false }
        }
        return true
    }

    public var description: String {
        terms.map { "\($0.op.rawValue) \($0.value)" }.joined(separator: " and ")
    }
}
