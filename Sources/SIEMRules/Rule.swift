import Foundation
import SIEMCore

/// The language a rule was written in.
public enum RuleFormat: String, Sendable, Hashable, CaseIterable {
    case native, sigma
}

/// What a rule says about itself besides its condition: kept on every alert it raises and shown
/// by `GET /rules`.
public struct RuleMetadata: Sendable, Hashable {
    public var format: RuleFormat
    /// The rules file it was loaded from.
    public var file: String
    public var author: String
    public var references: [String]
    public var falsePositives: [String]
    /// Sigma `status` (`stable`, `test`, `experimental`); nil for native rules.
    public var status: String?
    /// The level as the rule wrote it (Sigma `informational` becomes severity `low`).
    public var level: String?
    /// Sigma `logsource` (`product`, `category`, `service`, …), as written.
    public var logsource: [String: String]
    /// Sigma `name` (correlation rules refer to a rule by id or by name).
    public var name: String?

    public init(
        format: RuleFormat = .native, file: String = "", author: String = "", references: [String] = [],
        falsePositives: [String] = [], status: String? = nil, level: String? = nil,
        logsource: [String: String] = [:], name: String? = nil
    ) {
        self.format = format
        self.file = file
        self.author = author
        self.references = references
        self.falsePositives = falsePositives
        self.status = status
        self.level = level
        self.logsource = logsource
        self.name = name
    }
}

/// Which events a rule is evaluated on.
public enum RuleScope: Sendable {
    /// Every event (native rules; Sigma rules under `--ignore-logsource`).
    case everyEvent
    /// Events that satisfy the logsource condition; rules with equal `key` share one condition, so
    /// it is evaluated once per event for all of them.
    case logsource(key: String, Condition)
    /// No event: the configuration maps no log source of this kind (`reason` says which).
    case noEvent(reason: String)
}

/// A rule that did not load, and why; loading goes on without it.
public struct SkippedRule: Sendable, Hashable {
    public var file: String
    public var ruleID: String?
    public var title: String?
    public var format: RuleFormat
    public var reason: String

    public init(file: String, ruleID: String? = nil, title: String? = nil, format: RuleFormat, reason: String) {
        self.file = file
        self.ruleID = ruleID
        self.title = title
        self.format = format
        self.reason = reason
    }
}

/// A detection rule: metadata plus one compiled condition.
public struct Rule: Sendable {
    public var id: String
    public var title: String
    public var severity: Severity
    public var description: String
    public var tags: [String]
    public var condition: Condition
    public var metadata: RuleMetadata
    public var scope: RuleScope

    public init(
        id: String,
        title: String,
        severity: Severity,
        description: String = "",
        tags: [String] = [],
        condition: Condition,
        metadata: RuleMetadata = RuleMetadata(),
        scope: RuleScope = .everyEvent
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.description = description
        self.tags = tags
        self.condition = condition
        self.metadata = metadata
        self.scope = scope
    }

    /// Whether the event is in the rule's scope and satisfies its condition.
    public func matches(_ event: Event) -> Bool {
        switch scope {
        case .everyEvent: return condition.matches(event)
        case .logsource(_, let logsource): return logsource.matches(event) && condition.matches(event)
        case .noEvent: return false
        }
    }

    /// The alert this rule raises for an event, at `now`.
    public func alert(for event: Event, at now: Date) -> Alert {
        Alert(
            eventID: event.id,
            ts: event.ts,
            createdAt: now,
            ruleID: id,
            title: title,
            severity: severity,
            description: description,
            tags: tags,
            host: event.host,
            agentID: event.agentID,
            rule: AlertRule(
                format: metadata.format.rawValue, author: metadata.author, references: metadata.references,
                falsePositives: metadata.falsePositives, file: metadata.file)
        )
    }
}

/// A loaded, compiled set of rules, and the rules that were skipped while loading it.
public struct RuleSet: Sendable {
    public let rules: [Rule]
    public let skipped: [SkippedRule]
    let index: RuleIndex

    public init(rules: [Rule], skipped: [SkippedRule] = []) {
        self.rules = rules
        self.skipped = skipped
        self.index = RuleIndex(rules: rules)
    }

    /// The alerts the rules raise for `event`, in rule order.
    public func evaluate(_ event: Event, at now: Date) -> [Alert] {
        var alerts: [Alert] = []
        index.forEachMatch(in: event, rules: rules) { alerts.append(rules[$0].alert(for: event, at: now)) }
        return alerts
    }

    /// The positions (in `rules`) of the rules that match `event`, in rule order.
    public func matchingRules(_ event: Event) -> [Int] {
        var positions: [Int] = []
        index.forEachMatch(in: event, rules: rules) { positions.append($0) }
        return positions
    }

    /// Every rule evaluated in full, without the index: the reference `evaluate` must agree with.
    public func evaluateWithoutIndex(_ event: Event, at now: Date) -> [Alert] {
        rules.filter { $0.matches(event) }.map { $0.alert(for: event, at: now) }
    }
}
