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
    public var rules: [Rule]

    public init(rules: [Rule]) {
        self.rules = rules
    }

    /// The alerts the rules raise for `event`, in rule order.
    public func evaluate(_ event: Event, at now: Date) -> [Alert] {
        var alerts: [Alert] = []
        for rule in rules where rule.matches(event) {
            alerts.append(rule.alert(for: event, at: now))
        }
        return alerts
    }
}
