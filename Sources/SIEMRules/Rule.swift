import Foundation
import SIEMCore

/// A detection rule: metadata plus one compiled condition.
public struct Rule: Sendable {
    public var id: String
    public var title: String
    public var severity: Severity
    public var description: String
    public var tags: [String]
    public var condition: Condition

    public init(
        id: String,
        title: String,
        severity: Severity,
        description: String = "",
        tags: [String] = [],
        condition: Condition
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.description = description
        self.tags = tags
        self.condition = condition
    }

    /// Whether the event satisfies this rule's condition.
    public func matches(_ event: Event) -> Bool { condition.matches(event) }

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
            agentID: event.agentID
        )
    }
}

/// A loaded, compiled set of rules.
public struct RuleSet: Sendable {
    public let rules: [Rule]
    private let index: RuleIndex

    public init(rules: [Rule]) {
        self.rules = rules
        self.index = RuleIndex(conditions: rules.map(\.condition))
    }

    /// The alerts the rules raise for `event`, in rule order.
    public func evaluate(_ event: Event, at now: Date) -> [Alert] {
        var alerts: [Alert] = []
        for position in index.candidates(for: event) where rules[position].matches(event) {
            alerts.append(rules[position].alert(for: event, at: now))
        }
        return alerts
    }

    /// Every rule evaluated in full, without the index: the reference `evaluate` must agree with.
    public func evaluateWithoutIndex(_ event: Event, at now: Date) -> [Alert] {
        rules.filter { $0.matches(event) }.map { $0.alert(for: event, at: now) }
    }
}
