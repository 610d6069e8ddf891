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
    /// How repeats of this rule's alert fold into the first one (applied by the pipeline).
    public var suppression: Suppression?
    /// A native rule's `threshold`: the rule then alerts once per group and window (a
    /// `CorrelationRule` of the same id in `RuleSet.correlations`), not per matching event.
    public var threshold: Threshold?
    /// Whether a match raises an alert of its own; false for a threshold rule and for a rule that
    /// only correlations with `generate: false` reference. Set by `RuleSet`.
    public internal(set) var generates = true

    public init(
        id: String,
        title: String,
        severity: Severity,
        description: String = "",
        tags: [String] = [],
        condition: Condition,
        metadata: RuleMetadata = RuleMetadata(),
        scope: RuleScope = .everyEvent,
        suppression: Suppression? = nil,
        threshold: Threshold? = nil
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.description = description
        self.tags = tags
        self.condition = condition
        self.metadata = metadata
        self.scope = scope
        self.suppression = suppression
        self.threshold = threshold
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
        var alert = Alert(
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
        if let suppression { fold(&alert, by: suppression, values: suppression.values(in: event)) }
        return alert
    }

    /// Sets how the store folds `alert` into an open one: keyed by the rule's `suppress` fields,
    /// when the event has every one of them (an event without one is raised on its own, so that
    /// unrelated events that lack a field never hide behind one alert). The fields it has are the
    /// alert's group either way.
    func fold(_ alert: inout Alert, by suppression: Suppression, values: [JSONValue?]) {
        for (name, value) in zip(suppression.by, values) {
            if let value { alert.group[name] = value }
        }
        guard !values.contains(where: { $0 == nil }) else { return }
        alert.suppression = AlertSuppression(
            key: id + "\u{1}" + suppression.key(of: values), scope: .window(suppression.window))
    }
}

/// A loaded, compiled set of rules, the correlations over them, and the rules that were skipped
/// while loading it.
public struct RuleSet: Sendable {
    public let rules: [Rule]
    public let skipped: [SkippedRule]
    /// Sigma correlation rules and native threshold rules; their inputs are positions in `rules`
    /// and in this list.
    public let correlations: [CorrelationRule]
    let index: RuleIndex
    /// Per rule: whether some correlation counts its matches.
    let feedsCorrelation: [Bool]

    /// `correlations` (inputs resolved to positions) come first in `correlations`, then one per
    /// native rule with a `threshold`. A correlation whose inputs are out of range or form a cycle
    /// is kept without inputs (it never fires) and listed in `skipped`.
    public init(rules: [Rule], skipped: [SkippedRule] = [], correlations: [CorrelationRule] = []) {
        var rules = rules
        var correlations = correlations
        var skipped = skipped
        for (position, rule) in rules.enumerated() {
            if let threshold = rule.threshold {
                correlations.append(CorrelationRule(threshold: threshold, of: rule, at: position))
            }
        }
        CorrelationLinks.link(rules: &rules, correlations: &correlations, skipped: &skipped)
        var feeds = [Bool](repeating: false, count: rules.count)
        for correlation in correlations {
            for case .rule(let position) in correlation.inputs { feeds[position] = true }
        }
        self.rules = rules
        self.skipped = skipped
        self.correlations = correlations
        self.feedsCorrelation = feeds
        self.index = RuleIndex(rules: rules)
    }

    /// The alerts the rules raise for `event`, in rule order (rules that do not generate alerts
    /// of their own are left out).
    public func evaluate(_ event: Event, at now: Date) -> [Alert] {
        var alerts: [Alert] = []
        index.forEachMatch(in: event, rules: rules) {
            if rules[$0].generates { alerts.append(rules[$0].alert(for: event, at: now)) }
        }
        return alerts
    }

    /// The positions (in `rules`) of the rules that match `event`, in rule order, whether or not
    /// they generate alerts.
    public func matchingRules(_ event: Event) -> [Int] {
        var positions: [Int] = []
        index.forEachMatch(in: event, rules: rules) { positions.append($0) }
        return positions
    }

    /// Every rule evaluated in full, without the index: the reference `evaluate` must agree with.
    public func evaluateWithoutIndex(_ event: Event, at now: Date) -> [Alert] {
        rules.filter { $0.generates && $0.matches(event) }.map { $0.alert(for: event, at: now) }
    }
}
