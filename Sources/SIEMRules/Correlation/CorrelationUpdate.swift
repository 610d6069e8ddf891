import Foundation
import SIEMCore

/// Bounds on what a `CorrelationEngine` keeps.
public struct CorrelationLimits: Sendable, Hashable {
    /// Open groups across all correlations; past it, the least recently active are dropped.
    public var maxGroups: Int
    /// Later windows re-evaluated for one event that arrives out of order (the rest are not).
    public var maxReevaluations: Int

    public init(maxGroups: Int = 100_000, maxReevaluations: Int = 256) {
        self.maxGroups = max(1, maxGroups)
        self.maxReevaluations = max(0, maxReevaluations)
    }
}

/// A correlation alert that opens or grows: the first window of a burst that meets the condition
/// (`isNew`), or a later window of the same burst that adds events to it.
public struct CorrelationUpdate: Sendable {
    /// Position in `RuleSet.correlations`.
    public var rule: Int
    public var ruleID: String
    /// The group's fields in `groupBy` order, with the values first seen.
    public var group: [(field: String, value: JSONValue)]
    /// True for the first window of a burst: a new alert. False: the open alert grows.
    public var isNew: Bool
    /// Identifies the open alert while the burst lasts (rule id, folded group key and first window
    /// end): the caller stores it with the alert to find it again, also after a restart.
    public var burstKey: String
    /// Events behind the alert so far (all of them, not only `newEvidence`).
    public var count: Int
    /// The references (`observe`'s `reference`) this update adds, in event time order.
    public var newEvidence: [Int64]
    /// Event times of the earliest and latest evidence so far.
    public var firstSeen: Date
    public var lastSeen: Date
    /// The end of the burst's first window that met the condition.
    public var firstWindowEnd: Date
}

/// A group's state to store, or nil when the group was dropped or expired: `key` names (correlation
/// id, folded group key); `state` is opaque, versioned bytes for `CorrelationEngine.restore`.
public struct CorrelationStateChange: Sendable, Hashable {
    public var key: String
    public var state: Data?

    public init(key: String, state: Data?) {
        self.key = key
        self.state = state
    }
}
