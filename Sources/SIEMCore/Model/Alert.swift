import Foundation

/// A detection raised for one event by a rule or a threat-intel match.
public struct Alert: Sendable, Hashable {
    public typealias ID = Int64

    public var id: ID?
    public var eventID: Event.ID?
    /// The event's time: when what the alert is about happened (a log imported a day late still
    /// raises alerts at the time it names).
    public var ts: Date
    /// When the alert was raised.
    public var createdAt: Date
    public var ruleID: String
    public var title: String
    public var severity: Severity
    public var description: String
    public var tags: [String]
    /// Extra context (the IOC that matched, …).
    public var details: [String: JSONValue]
    /// The event's host and agent, kept with the alert so alert filters need no join.
    public var host: String
    public var agentID: String?

    public init(
        id: ID? = nil,
        eventID: Event.ID? = nil,
        ts: Date? = nil,
        createdAt: Date,
        ruleID: String,
        title: String,
        severity: Severity,
        description: String = "",
        tags: [String] = [],
        details: [String: JSONValue] = [:],
        host: String = "",
        agentID: String? = nil
    ) {
        self.id = id
        self.eventID = eventID
        self.ts = ts ?? createdAt
        self.createdAt = createdAt
        self.ruleID = ruleID
        self.title = title
        self.severity = severity
        self.description = description
        self.tags = tags
        self.details = details
        self.host = host
        self.agentID = agentID
    }
}
