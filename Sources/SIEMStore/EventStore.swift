import Foundation
import SIEMCore

/// One event to store with the alerts raised for it; both are written in the same transaction.
public struct EventWrite: Sendable {
    public var event: Event
    public var alerts: [Alert]

    public init(event: Event, alerts: [Alert]) {
        self.event = event
        self.alerts = alerts
    }
}

/// A page of newest-first results; `nextCursor` fetches the following (older) page.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// Filters for events; every set filter must hold.
public struct EventQuery: Sendable, Hashable {
    /// Normalized keys whose values get an index entry at ingest, so filtering on them is an index
    /// lookup. Each entry costs ingest time, so only keys analysts pivot on are indexed; a filter on
    /// any other normalized key still works, by checking the candidate rows.
    public static let indexedKeys: Set<String> = [
        "client.mac", "user.name", "user.target.name", "host.hostname", "process.name", "dns.question.name",
        "event.action", "event.code", "url.domain",
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

/// Filters for alerts; `ip` and `agentID` select alerts whose event matches.
public struct AlertQuery: Sendable, Hashable {
    public var limit: Int
    public var cursor: Alert.ID?
    public var ip: String?
    public var agentID: String?
    public var ruleID: String?
    public var severity: Severity?
    public var since: Date?

    public init(
        limit: Int = 100,
        cursor: Alert.ID? = nil,
        ip: String? = nil,
        agentID: String? = nil,
        ruleID: String? = nil,
        severity: Severity? = nil,
        since: Date? = nil
    ) {
        self.limit = limit
        self.cursor = cursor
        self.ip = ip
        self.agentID = agentID
        self.ruleID = ruleID
        self.severity = severity
        self.since = since
    }
}

/// Totals kept by the store.
public struct StoreCounts: Sendable, Hashable {
    public var events: Int
    public var alerts: Int
}

/// A key with a count (`sshd`: 42).
public struct Bucket: Sendable, Hashable {
    public var key: String
    public var count: Int
    public init(key: String, count: Int) {
        self.key = key
        self.count = count
    }
}

/// Activity over a time window, for `/stats` and the dashboard.
public struct Stats: Sendable, Hashable {
    public var since: Date
    /// Per hour, oldest first, keyed by the hour's start (RFC 3339).
    public var eventsPerHour: [Bucket]
    public var alertsPerHour: [Bucket]
    public var eventsBySource: [Bucket]
    public var topHosts: [Bucket]
    public var topRules: [Bucket]
    public var alertsBySeverity: [Bucket]
    public var events: Int
    public var alerts: Int
}

/// Events over time: `counts[i]` events fell in `[since + i * interval, since + (i + 1) * interval)`.
public struct Histogram: Sendable, Hashable {
    public var since: Date
    public var until: Date
    /// The width of one bucket in seconds.
    public var interval: TimeInterval
    public var counts: [Int]

    public init(since: Date, until: Date, interval: TimeInterval, counts: [Int]) {
        self.since = since
        self.until = until
        self.interval = interval
        self.counts = counts
    }
}

/// Durable storage of events and alerts. Implementations pass `EventStoreContract` tests.
public protocol EventStore: Sendable {
    /// Stores the events and their alerts atomically; returns them with ids assigned, after commit.
    func insert(_ writes: [EventWrite]) async throws -> [EventWrite]
    func events(_ query: EventQuery) async throws -> Page<Event>
    func event(id: Event.ID) async throws -> Event?
    func events(ids: [Event.ID]) async throws -> [Event.ID: Event]
    func alerts(_ query: AlertQuery) async throws -> Page<Alert>
    func alert(id: Alert.ID) async throws -> Alert?
    func counts() async throws -> StoreCounts
    /// Checks the database answers a query.
    func ping() async throws
    func stats(since: Date) async throws -> Stats
    /// Counts of the events matching `query` (its `since` and `until` bound the range, its cursor
    /// and limit are ignored) in `buckets` equal intervals, oldest first, empty ones included.
    func histogram(_ query: EventQuery, buckets: Int) async throws -> Histogram
    /// Commits what is queued and stops accepting writes.
    func close() async
}
