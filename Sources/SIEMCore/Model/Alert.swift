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
    /// `event` (one event's match), `threshold` (a native threshold rule) or `correlation`.
    public var kind: AlertKind
    /// How many events it stands for: repeats its rule's suppression folded into it, or the
    /// events behind a threshold or correlation alert (the full count).
    public var count: Int
    /// Event times of the earliest and latest events behind it.
    public var firstSeen: Date
    public var lastSeen: Date
    /// A bounded sample of the events behind it (its first and latest); `GET /alerts/{id}/events`
    /// pages through all of them. Empty for an alert about one event (`eventID` names it).
    public var eventIDs: [Event.ID]
    /// The values that group it: a threshold or correlation rule's group-by fields, or the fields
    /// its suppression is keyed by.
    public var group: [String: JSONValue]
    /// Triage: `open` until an analyst says otherwise, and to whom it is assigned.
    public var status: AlertStatus
    public var assignedTo: String?
    /// Asks the store to fold this alert into the open one with the same key instead of adding a
    /// new alert (not stored as such; nil raises a new alert every time).
    public var suppression: AlertSuppression?

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
        rule: AlertRule = AlertRule(),
        kind: AlertKind = .event,
        count: Int = 1,
        firstSeen: Date? = nil,
        lastSeen: Date? = nil,
        eventIDs: [Event.ID] = [],
        group: [String: JSONValue] = [:],
        status: AlertStatus = .open,
        assignedTo: String? = nil,
        suppression: AlertSuppression? = nil
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
        self.kind = kind
        self.count = count
        self.firstSeen = firstSeen ?? ts ?? createdAt
        self.lastSeen = lastSeen ?? ts ?? createdAt
        self.eventIDs = eventIDs
        self.group = group
        self.status = status
        self.assignedTo = assignedTo
        self.suppression = suppression
    }
}

public enum AlertKind: String, Sendable, Hashable, CaseIterable {
    case event, threshold, correlation
}

/// Where an analyst's triage has put an alert.
public enum AlertStatus: String, Sendable, Hashable, CaseIterable {
    case open, acknowledged, closed
    case falsePositive = "false_positive"
}

/// How the store folds repeats into one alert.
public struct AlertSuppression: Sendable, Hashable {
    public enum Scope: Sendable, Hashable {
        /// A repeat whose time is within `window` of the open alert's first event joins it.
        case window(TimeInterval)
        /// The key names one alert (a correlation burst): every update joins it.
        case burst(isNew: Bool)
    }

    /// The rule id and the folded values it is keyed by.
    public var key: String
    public var scope: Scope
    /// Events behind this raise (beyond `eventID`), appended to the alert's evidence.
    public var evidence: [Event.ID]

    public init(key: String, scope: Scope, evidence: [Event.ID] = []) {
        self.key = key
        self.scope = scope
        self.evidence = evidence
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
