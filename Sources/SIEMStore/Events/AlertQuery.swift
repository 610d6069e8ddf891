import Foundation
import SIEMCore

/// Filters for alerts; `ip` and `agentID` select alerts whose event matches.
public struct AlertQuery: Sendable, Hashable {
    public var limit: Int
    public var cursor: Alert.ID?
    public var ip: String?
    public var agentID: String?
    public var ruleID: String?
    public var severity: Severity?
    public var since: Date?
    /// Alerts whose rule has this tag (case-insensitive), e.g. `attack.t1110`.
    public var tag: String?
    /// `native`, `sigma` or `ti`.
    public var ruleFormat: String?
    /// Only alerts in these triage states (every state when empty).
    public var statuses: [AlertStatus] = []
    /// Only alerts assigned to this identity ("" selects unassigned ones).
    public var assignedTo: String?
    public var kind: AlertKind?
    /// Only alerts whose group has these values (`group.source.ip=…`), compared ignoring case.
    public var group: [String: String] = [:]

    public init(
        limit: Int = 100,
        cursor: Alert.ID? = nil,
        ip: String? = nil,
        agentID: String? = nil,
        ruleID: String? = nil,
        severity: Severity? = nil,
        since: Date? = nil,
        tag: String? = nil,
        ruleFormat: String? = nil
    ) {
        self.limit = limit
        self.cursor = cursor
        self.ip = ip
        self.agentID = agentID
        self.ruleID = ruleID
        self.severity = severity
        self.since = since
        self.tag = tag
        self.ruleFormat = ruleFormat
    }
}

/// A triage change: a new status, a new assignee (`.some(nil)` unassigns), or both.
public struct AlertTriage: Sendable, Hashable {
    public var status: AlertStatus?
    public var assignedTo: String??

    public init(status: AlertStatus? = nil, assignedTo: String?? = nil) {
        self.status = status
        self.assignedTo = assignedTo
    }

    public var isEmpty: Bool { status == nil && assignedTo == nil }
}
