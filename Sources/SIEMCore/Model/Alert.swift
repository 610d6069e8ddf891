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
    /// The rule that raised it: its format (`native`, `sigma`, `ti`), its author, references,
    /// known false positives and the file it was loaded from (DRL 1.1 asks that an alert from a
    /// SigmaHQ rule shows the rule's author).
    public var rule: AlertRule

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
        agentID: String? = nil,
        rule: AlertRule = AlertRule()
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
        self.rule = rule
    }
}

/// What an alert keeps of the rule that raised it, besides its id, title, level and tags.
public struct AlertRule: Sendable, Hashable {
    /// `native`, `sigma`, or `ti` for a threat-intel match.
    public var format: String
    public var author: String
    public var references: [String]
    public var falsePositives: [String]
    /// The rules file it was loaded from ("" when none).
    public var file: String

    public init(
        format: String = "native", author: String = "", references: [String] = [], falsePositives: [String] = [],
        file: String = ""
    ) {
        self.format = format
        self.author = author
        self.references = references
        self.falsePositives = falsePositives
        self.file = file
    }

    public var isEmpty: Bool { author.isEmpty && references.isEmpty && falsePositives.isEmpty && file.isEmpty }
}
