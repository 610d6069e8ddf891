import Foundation

/// A case an analyst works: one or more alerts, notes, and a timeline of every change.
public struct Incident: Sendable, Hashable {
    public typealias ID = Int64

    public var id: ID?
    public var title: String
    public var severity: Severity
    public var status: IncidentStatus
    /// How a resolved or closed incident ended (`false_positive`, …).
    public var resolution: IncidentResolution?
    public var assignedTo: String?
    public var description: String
    public var createdAt: Date
    public var updatedAt: Date
    /// For auto-created incidents: the rule and key (`ip:203.0.113.7`, `host:web-1`) alerts group by.
    public var ruleID: String?
    public var groupKey: String?
    /// When the last alert joined (auto-created incidents group alerts within an hour of it).
    public var lastAlertAt: Date?
    public var alertIDs: [Alert.ID]

    public init(
        id: ID? = nil, title: String, severity: Severity, status: IncidentStatus = .open,
        resolution: IncidentResolution? = nil, assignedTo: String? = nil, description: String = "",
        createdAt: Date, updatedAt: Date? = nil, ruleID: String? = nil, groupKey: String? = nil,
        lastAlertAt: Date? = nil, alertIDs: [Alert.ID] = []
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.status = status
        self.resolution = resolution
        self.assignedTo = assignedTo
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.ruleID = ruleID
        self.groupKey = groupKey
        self.lastAlertAt = lastAlertAt
        self.alertIDs = alertIDs
    }
}

public enum IncidentStatus: String, Sendable, Hashable, CaseIterable {
    case open, acknowledged
    case inProgress = "in_progress"
    case resolved, closed

    /// Open, acknowledged and in-progress incidents still take new alerts.
    public var isActive: Bool { self == .open || self == .acknowledged || self == .inProgress }
}

public enum IncidentResolution: String, Sendable, Hashable, CaseIterable {
    case truePositive = "true_positive"
    case falsePositive = "false_positive"
    case benign, duplicate
}

/// A note an analyst added.
public struct IncidentNote: Sendable, Hashable {
    public var id: Int64
    public var author: String
    public var note: String
    public var createdAt: Date

    public init(id: Int64, author: String, note: String, createdAt: Date) {
        self.id = id
        self.author = author
        self.note = note
        self.createdAt = createdAt
    }
}

/// One change to an incident: who did what, when, and the value before and after.
public struct IncidentChange: Sendable, Hashable {
    public var at: Date
    public var actor: String
    /// `created`, `updated`, `alert_linked`, `note_added`.
    public var action: String
    public var field: String?
    public var from: String?
    public var to: String?

    public init(at: Date, actor: String, action: String, field: String? = nil, from: String? = nil, to: String? = nil) {
        self.at = at
        self.actor = actor
        self.action = action
        self.field = field
        self.from = from
        self.to = to
    }
}

/// The key auto-created incidents group an alert's event by: its source IP, else host, else agent.
extension Event {
    public var incidentGroupKey: String {
        if let ip = normalized["source.ip"]?.scalarText, let canonical = IPAddress.canonical(ip) {
            return "ip:\(canonical)"
        }
        if let ip = ips.first { return "ip:\(ip)" }
        if !host.isEmpty { return "host:\(host)" }
        if let agentID { return "agent:\(agentID)" }
        return "none"
    }
}
