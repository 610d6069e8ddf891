import Foundation
import SIEMCore

/// Alerts summed per rule, or per rule and group values, over a window of the time siemd raised
/// them (`created_at`): what an analyst triages at a glance.
public struct AlertGroupQuery: Sendable, Hashable {
    public enum Grouping: String, Sendable, Hashable, CaseIterable {
        /// One row per rule.
        case rule
        /// One row per rule and group values (`{"source.ip": "203.0.113.45"}`), compared ignoring case.
        case group
    }

    public var by: Grouping
    /// The alerts to sum; its `since` starts the window, its limit and cursor are ignored.
    public var filter: AlertQuery
    /// The end of the window (inclusive).
    public var until: Date
    /// The width of one sparkline bucket, in seconds.
    public var bucket: TimeInterval
    /// The most rows, newest `last_seen` first.
    public var limit: Int

    public init(by: Grouping, filter: AlertQuery, until: Date, bucket: TimeInterval = 3600, limit: Int = 100) {
        self.by = by
        self.filter = filter
        self.until = until
        self.bucket = bucket
        self.limit = limit
    }
}

/// One row of `alertGroups(_:)`. Title, severity and kind are the latest alert's.
public struct AlertGroup: Sendable, Hashable {
    public var ruleID: String
    public var title: String
    public var severity: Severity
    public var kind: AlertKind
    /// The latest alert's group values (empty for rows by rule).
    public var group: [String: JSONValue]
    public var alerts: Int
    /// The sum of the alerts' counts: every event they stand for.
    public var events: Int
    public var firstSeen: Date
    public var lastSeen: Date
    /// Alerts per triage status (every status, zeros included).
    public var statuses: [AlertStatus: Int]
    /// Alerts raised per bucket of the window, oldest first.
    public var sparkline: [Int]
    /// The newest alert's id.
    public var latestAlertID: Alert.ID

    public init(
        ruleID: String, title: String, severity: Severity, kind: AlertKind, group: [String: JSONValue], alerts: Int,
        events: Int, firstSeen: Date, lastSeen: Date, statuses: [AlertStatus: Int], sparkline: [Int],
        latestAlertID: Alert.ID
    ) {
        self.ruleID = ruleID
        self.title = title
        self.severity = severity
        self.kind = kind
        self.group = group
        self.alerts = alerts
        self.events = events
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.statuses = statuses
        self.sparkline = sparkline
        self.latestAlertID = latestAlertID
    }
}

/// How many alerts carry one set of tags (lowercased, as the rule wrote them).
public struct AlertTagSet: Sendable, Hashable {
    public var tags: [String]
    public var alerts: Int

    public init(tags: [String], alerts: Int) {
        self.tags = tags
        self.alerts = alerts
    }
}
