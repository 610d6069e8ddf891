import Foundation
import SIEMCore

/// Filters for events; every set filter must hold.
public struct EventQuery: Sendable, Hashable {
    /// Normalized keys whose values get an index entry at ingest, so filtering on them is an index
    /// lookup. Each entry costs ingest time, so only keys analysts pivot on are indexed; a filter on
    /// any other normalized key still works, by checking the candidate rows.
    public static let indexedKeys: Set<String> = [
        "client.mac", "user.name", "user.target.name", "host.hostname", "process.name", "dns.question.name",
        "event.action", "event.code", "url.domain", "agent.hostname",
    ]

    /// Normalized keys holding an address. Their values share the `ip` index entry every address of
    /// the event gets (a filter looks up `ip` and checks the key on the row), so an address is
    /// indexed once however many keys hold it.
    public static let addressKeys: Set<String> = ["source.ip", "destination.ip", "client.ip"]

    /// Full-text query (FTS5 syntax; bare terms with punctuation such as IPs are quoted for you).
    public var text: String?
    public var limit: Int
    /// Only events older than this cursor (from a previous page's `nextCursor`).
    public var cursor: Event.ID?
    public var agentID: String?
    public var ip: String?
    public var source: String?
    public var host: String?
    public var since: Date?
    public var until: Date?
    /// Exact matches on normalized keys (`user.name` = `root`).
    public var terms: [Term]
    /// Only events that raised an alert of this rule.
    public var ruleID: String?
    /// Events that hold none of these values: `host`, `source`, or a normalized key (`user.name`),
    /// checked on the rows the other filters find.
    public var excluded: [Term] = []

    public struct Term: Sendable, Hashable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(
        text: String? = nil,
        limit: Int = 100,
        cursor: Event.ID? = nil,
        agentID: String? = nil,
        ip: String? = nil,
        source: String? = nil,
        host: String? = nil,
        since: Date? = nil,
        until: Date? = nil,
        terms: [Term] = [],
        ruleID: String? = nil
    ) {
        self.text = text
        self.limit = limit
        self.cursor = cursor
        self.agentID = agentID
        self.ip = ip
        self.source = source
        self.host = host
        self.since = since
        self.until = until
        self.terms = terms
        self.ruleID = ruleID
    }
}
