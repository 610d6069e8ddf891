import CSQLite
import Foundation
import SIEMCore

/// Events and alerts in SQLite: written through the database's writer thread with group commit,
/// read through its pool of WAL readers.
public final class SQLiteEventStore: EventStore, SQLiteBacked {
    public let database: SQLiteDatabase
    var totals: Totals { database.totals }
    public var path: String { database.path }

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    /// Opens its own database at `path` (tests and tools that need only events and alerts).
    public convenience init(path: String, sync: SyncMode = .full, readers: Int = 4) throws(StoreError) {
        self.init(database: try SQLiteDatabase(path: path, sync: sync, readers: readers))
    }

    /// Group-commit figures: commits so far and jobs (insert calls) per commit.
    public var commitStatistics: String { database.commitStatistics }

    public func close() async {
        database.close()
    }

    // MARK: Writes

    public func insert(_ writes: [EventWrite]) async throws -> [EventWrite] {
        guard !writes.isEmpty else { return [] }
        // Encoding happens here, on the caller's task, in parallel; the writer thread (the one
        // serial stage of ingest) only binds and steps.
        let rows = writes.map(EventRows.init)
        let stored = try await writer.write { connection in
            try rows.map { try $0.insert(into: connection) }
        }
        totals.add(events: stored.count, alerts: stored.reduce(0) { $0 + $1.alerts.count })
        return stored
    }

    /// Writes one event, its filter terms, its full-text entry and its alerts (inside a transaction).
    public static func insert(_ write: EventWrite, into connection: SQLiteConnection) throws -> EventWrite {
        try EventRows(write).insert(into: connection)
    }

    // MARK: Reads

    static let eventColumns =
        "e.id, e.ts, e.received_at, e.source, e.host, e.agent_id, e.log_type, e.message, e.fields, e.normalized, e.ips"

    public func events(_ query: EventQuery) async throws -> Page<Event> {
        try await readers.read { connection in try Self.events(query, on: connection) }
    }

    static func events(_ query: EventQuery, on connection: SQLiteConnection) throws -> Page<Event> {
        do {
            return try eventsQuery(query).page(limit: query.limit, on: connection, id: \.id, row: event(from:))
        } catch let error as StoreError {
            if case .sqlite(_, let message) = error, query.text != nil,
                message.contains("fts5") || message.contains("syntax error") || message.contains("no such column")
                    || message.contains("unterminated")
            {
                throw StoreError.invalidQuery(message)
            }
            throw error
        }
    }

    /// An event query, driven by the FTS index, the key index or the events table (in that order
    /// of preference), always newest first by id; `columns` are selected (an aggregate takes its
    /// `unordered` statement).
    static func eventsQuery(_ query: EventQuery, columns: String = eventColumns) -> PagedQuery {
        // Tokens to look up in `event_keys`; every filter is also checked exactly on the row.
        var keys: [String] = []
        var checks: [EventQuery.Term] = []
        var rowChecks: [(String, [SQLValue])] = []
        if let ip = query.ip {
            keys.append(EventKeys.token("ip", ip))
            rowChecks.append(Self.hasAddress(ip))
        }
        for term in query.terms {
            if EventQuery.addressKeys.contains(term.key) {
                keys.append(EventKeys.token("ip", term.value))
            } else if EventQuery.indexedKeys.contains(term.key) {
                keys.append(EventKeys.token(term.key, term.value))
            }
            checks.append(term)
        }
        if let agentID = query.agentID {
            keys.append(EventKeys.token("agent_id", agentID))
            rowChecks.append(("e.agent_id = ?", [.text(agentID)]))
        }
        if let source = query.source {
            keys.append(EventKeys.token("source", source))
            rowChecks.append(("e.source = ?", [.text(source)]))
        }
        if let host = query.host {
            keys.append(EventKeys.token("host", host))
            rowChecks.append(("e.host = ?", [.text(host)]))
        }
        var select: PagedQuery
        if let text = query.text, !text.trimmingCharacters(in: .whitespaces).isEmpty {
            // The other filters are checked on the rows the text finds (an FTS lookup per row in
            // `event_keys` would cost ten times more).
            select = PagedQuery(
                "SELECT \(columns) FROM events_fts JOIN events e ON e.id = events_fts.rowid", id: "events_fts.rowid")
            select.filter("events_fts MATCH ?", [.text(FTSQuery.prepare(text))])
        } else if !keys.isEmpty {
            select = PagedQuery("SELECT \(columns) FROM event_keys k JOIN events e ON e.id = k.rowid", id: "k.rowid")
            select.filter("event_keys MATCH ?", [.text(keys.joined(separator: " AND "))])
        } else {
            select = PagedQuery("SELECT \(columns) FROM events e", id: "e.id")
        }
        for (condition, values) in rowChecks { select.filter(condition, values) }
        select.before(query.cursor)
        if let ruleID = query.ruleID {
            select.filter(
                "EXISTS (SELECT 1 FROM alerts r WHERE r.event_id = e.id AND r.rule_id = ?)", [.text(ruleID)])
        }
        // The exact value, among the key's scalars (an array or object holds several).
        for term in checks {
            select.filter(
                "EXISTS (SELECT 1 FROM json_tree(e.normalized, ?) j WHERE j.atom IS NOT NULL AND CAST(j.atom AS TEXT) = ?)",
                [.text("$.\"" + term.key.replacingOccurrences(of: "\"", with: "") + "\""), .text(term.value)])
        }
        if let since = query.since { select.filter("e.ts >= ?", [.int(micros(since))]) }
        if let until = query.until { select.filter("e.ts < ?", [.int(micros(until))]) }
        return select
    }

    /// The SQL and arguments of an event query, newest first (`limit + 1` rows).
    static func eventsStatement(_ query: EventQuery) -> (String, [SQLValue]) {
        eventsQuery(query).statement(limit: query.limit + 1)
    }

    /// The exact check behind an `ip` token: the event `e` has the address among its `ips`, or as
    /// a normalized value the extractor did not take (`fe80::1%eth0`).
    static func hasAddress(_ ip: String) -> (String, [SQLValue]) {
        var quoted = ""
        JSONValue.writeString(ip, to: &quoted)
        return ("(instr(e.ips, ?) > 0 OR instr(e.normalized, ?) > 0)", [.text(quoted), .text(quoted)])
    }

    static func event(from statement: Statement) throws -> Event {
        Event(
            id: statement.int64(0),
            ts: date(statement.int64(1)),
            receivedAt: date(statement.int64(2)),
            source: statement.text(3),
            host: statement.text(4),
            agentID: statement.optionalText(5),
            message: statement.text(7),
            fields: decodeObject(statement.text(8)),
            logType: statement.optionalText(6),
            normalized: decodeObject(statement.text(9)),
            ips: decodeStrings(statement.text(10))
        )
    }

    public func event(id: Event.ID) async throws -> Event? {
        try await events(ids: [id])[id]
    }

    public func events(ids: [Event.ID]) async throws -> [Event.ID: Event] {
        guard !ids.isEmpty else { return [:] }
        return try await readers.read { connection in
            var result: [Event.ID: Event] = [:]
            let unique = Array(Set(ids))
            for chunk in stride(from: 0, to: unique.count, by: 500) {
                let slice = unique[chunk..<min(chunk + 500, unique.count)]
                let marks = Array(repeating: "?", count: slice.count).joined(separator: ",")
                let statement = try connection.prepare(
                    "SELECT \(Self.eventColumns) FROM events e WHERE e.id IN (\(marks))")
                try statement.bind(slice.map { .int($0) })
                while try statement.step() {
                    let event = try Self.event(from: statement)
                    result[event.id!] = event
                }
            }
            return result
        }
    }

    static let alertColumns =
        "a.id, a.event_id, a.created_at, a.rule_id, a.title, a.severity, a.description, a.tags, a.details, a.host, a.agent_id"

    public func alerts(_ query: AlertQuery) async throws -> Page<Alert> {
        try await readers.read { connection in
            let columns = "SELECT \(Self.alertColumns) FROM "
            let keys = AlertKeys.tokens(ruleID: query.ruleID, severity: query.severity, agentID: query.agentID)
            var select: PagedQuery
            if let ip = query.ip {
                select = PagedQuery(
                    columns + "event_keys k JOIN alerts a ON a.event_id = k.rowid JOIN events e ON e.id = a.event_id",
                    id: "a.id")
                let (condition, values) = Self.hasAddress(ip)
                select.filter("event_keys MATCH ?", [.text(EventKeys.token("ip", ip))])
                select.filter(condition, values)
            } else if !keys.isEmpty {
                select = PagedQuery(columns + "alert_keys k JOIN alerts a ON a.id = k.rowid", id: "k.rowid")
                select.filter("alert_keys MATCH ?", [.text(keys.joined(separator: " AND "))])
            } else {
                select = PagedQuery(columns + "alerts a", id: "a.id")
            }
            select.before(query.cursor)
            select.equals("a.agent_id", query.agentID)
            select.equals("a.rule_id", query.ruleID)
            select.equals("a.severity", query.severity?.rawValue)
            if let since = query.since { select.filter("a.created_at >= ?", [.int(micros(since))]) }
            return try select.page(limit: query.limit, on: connection, id: \.id, row: Self.alert(from:))
        }
    }

    static func alert(from statement: Statement) -> Alert {
        Alert(
            id: statement.int64(0),
            eventID: statement.int64(1),
            createdAt: date(statement.int64(2)),
            ruleID: statement.text(3),
            title: statement.text(4),
            severity: Severity(rawValue: statement.text(5)) ?? .medium,
            description: statement.text(6),
            tags: decodeStrings(statement.text(7)),
            details: decodeObject(statement.text(8)),
            host: statement.text(9),
            agentID: statement.optionalText(10)
        )
    }

    public func alert(id: Alert.ID) async throws -> Alert? {
        try await readers.read { connection in
            let statement = try connection.prepare("SELECT \(Self.alertColumns) FROM alerts a WHERE a.id = ?")
            try statement.bind([.int(id)])
            return try statement.step() ? Self.alert(from: statement) : nil
        }
    }

    public func ping() async throws {
        _ = try await readers.read { connection in try connection.scalar("SELECT 1") }
    }

    public func counts() async throws -> StoreCounts {
        totals.snapshot
    }

    public func stats(since: Date) async throws -> Stats {
        let totals = totals.snapshot
        return try await readers.read { connection in
            let start = micros(since)
            func buckets(_ sql: String, hourly: Bool = false) throws -> [Bucket] {
                let statement = try connection.prepare(sql)
                try statement.bind([.int(start)])
                var result: [Bucket] = []
                while try statement.step() {
                    let key =
                        hourly
                        ? Timestamp.format(Date(timeIntervalSince1970: Double(statement.int64(0)) * 3600))
                        : statement.text(0)
                    result.append(Bucket(key: key, count: Int(statement.int64(1))))
                }
                return result
            }
            return Stats(
                since: since,
                eventsPerHour: try buckets(
                    "SELECT ts / 3600000000, count(*) FROM events WHERE ts >= ? GROUP BY 1 ORDER BY 1", hourly: true),
                alertsPerHour: try buckets(
                    "SELECT created_at / 3600000000, count(*) FROM alerts WHERE created_at >= ? GROUP BY 1 ORDER BY 1",
                    hourly: true),
                eventsBySource: try buckets(
                    "SELECT source, count(*) FROM events WHERE ts >= ? GROUP BY 1 ORDER BY 2 DESC LIMIT 20"),
                topHosts: try buckets(
                    "SELECT host, count(*) FROM events WHERE ts >= ? GROUP BY 1 ORDER BY 2 DESC LIMIT 10"),
                topRules: try buckets(
                    "SELECT rule_id, count(*) FROM alerts WHERE created_at >= ? GROUP BY 1 ORDER BY 2 DESC LIMIT 10"),
                alertsBySeverity: try buckets(
                    "SELECT severity, count(*) FROM alerts WHERE created_at >= ? GROUP BY 1 ORDER BY 2 DESC"),
                events: totals.events,
                alerts: totals.alerts
            )
        }
    }
}

/// Running totals, so `/health` never counts rows.
final class Totals: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var events: Int
    private var alerts: Int

    init(events: Int, alerts: Int) {
        self.events = events
        self.alerts = alerts
    }

    func add(events: Int, alerts: Int) {
        lock.lock()
        self.events += events
        self.alerts += alerts
        lock.unlock()
    }

    var snapshot: StoreCounts {
        lock.lock()
        defer { lock.unlock() }
        return StoreCounts(events: events, alerts: alerts)
    }
}

@inline(__always) func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
@inline(__always) func date(_ micros: Int64) -> Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }

func decodeObject(_ text: String) -> [String: JSONValue] {
    guard text != "{}" else { return [:] }
    guard case .object(let members)? = try? JSONParser.parse(Array(text.utf8)) else { return [:] }
    return members
}

/// A stored JSON array of strings (`ips`, `tags`).
func decodeStrings(_ text: String) -> [String] {
    guard text != "[]", case .array(let items)? = try? JSONParser.parse(Array(text.utf8)) else { return [] }
    return items.compactMap(\.stringValue)
}
