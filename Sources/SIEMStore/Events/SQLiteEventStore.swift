import CSQLite
import Foundation
import SIEMCore

/// How hard SQLite works to keep a commit on disk. `full` survives power loss; `normal` survives
/// a crash of siemd (WAL) but may lose the last commits on power loss.
public enum SyncMode: String, Sendable, CaseIterable {
    case full, normal
}

/// The SQLite store: one writer thread with group commit, a pool of WAL readers.
public final class SQLiteEventStore: EventStore {
    public let path: String
    let writer: SQLiteWriter
    let readers: SQLiteReadPool
    let totals: Totals

    /// Opens (creating when missing) the database at `path` and migrates it to the latest schema.
    public init(path: String, sync: SyncMode = .full, readers readerCount: Int = 4) throws(StoreError) {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let connection = try SQLiteConnection(path: path)
        try connection.execute(
            """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=\(sync == .full ? "FULL" : "NORMAL");
            PRAGMA cache_size=-65536;
            PRAGMA temp_store=MEMORY;
            PRAGMA foreign_keys=ON;
            """)
        try Migrations.migrate(connection)
        let totals = Totals(
            events: Int(try connection.scalar("SELECT count(*) FROM events") ?? 0),
            alerts: Int(try connection.scalar("SELECT count(*) FROM alerts") ?? 0))
        self.totals = totals
        writer = SQLiteWriter(connection: connection)
        readers = try SQLiteReadPool(path: path, size: readerCount) { connection throws(StoreError) in
            try connection.execute("PRAGMA cache_size=-16384; PRAGMA query_only=1;")
        }
    }

    /// Group-commit figures: commits so far and jobs (insert calls) per commit.
    public var commitStatistics: String {
        let (commits, perCommit, _) = writer.statistics
        return "\(commits) commits, \(String(format: "%.1f", perCommit)) writes per commit"
    }

    public func close() async {
        writer.close()
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
        let (sql, arguments) = eventsStatement(query)
        let statement = try connection.prepare(sql)
        try statement.bind(arguments)
        var items: [Event] = []
        do {
            while try statement.step() {
                items.append(try event(from: statement))
            }
        } catch let error as StoreError {
            if case .sqlite(_, let message) = error, query.text != nil,
                message.contains("fts5") || message.contains("syntax error") || message.contains("no such column")
                    || message.contains("unterminated")
            {
                throw StoreError.invalidQuery(message)
            }
            throw error
        }
        var next: String?
        if items.count > query.limit {
            items.removeLast()
            next = items.last?.id.map(String.init)
        }
        return Page(items: items, nextCursor: next)
    }

    /// The SQL and arguments for an event query: driven by the FTS index, the term index or the
    /// events table (in that order of preference), always newest first by id.
    /// With `ordered: false` the statement selects `columns` with no order or limit (for aggregates).
    static func eventsStatement(
        _ query: EventQuery, columns: String = eventColumns, ordered: Bool = true
    ) -> (String, [SQLValue]) {
        var sql = "SELECT \(columns) FROM "
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        // Tokens to look up in `event_keys`; every filter is also checked exactly on the row.
        var keys: [String] = []
        var checks: [EventQuery.Term] = []
        if let ip = query.ip {
            keys.append(EventKeys.token("ip", ip))
            let (condition, values) = Self.hasAddress(ip)
            conditions.append(condition)
            arguments += values
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
            conditions.append("e.agent_id = ?")
            arguments.append(.text(agentID))
        }
        if let source = query.source {
            keys.append(EventKeys.token("source", source))
            conditions.append("e.source = ?")
            arguments.append(.text(source))
        }
        if let host = query.host {
            keys.append(EventKeys.token("host", host))
            conditions.append("e.host = ?")
            arguments.append(.text(host))
        }
        let order: String
        if let text = query.text, !text.trimmingCharacters(in: .whitespaces).isEmpty {
            sql += "events_fts JOIN events e ON e.id = events_fts.rowid"
            conditions.append("events_fts MATCH ?")
            arguments.append(.text(FTSQuery.prepare(text)))
            if let cursor = query.cursor {
                conditions.append("events_fts.rowid < ?")
                arguments.append(.int(cursor))
            }
            // The other filters are checked on the rows the text finds (an FTS lookup per row in
            // `event_keys` would cost ten times more).
            order = "events_fts.rowid DESC"
        } else if !keys.isEmpty {
            sql += "event_keys k JOIN events e ON e.id = k.rowid"
            conditions.append("event_keys MATCH ?")
            arguments.append(.text(keys.joined(separator: " AND ")))
            if let cursor = query.cursor {
                conditions.append("k.rowid < ?")
                arguments.append(.int(cursor))
            }
            order = "k.rowid DESC"
        } else {
            sql += "events e"
            if let cursor = query.cursor {
                conditions.append("e.id < ?")
                arguments.append(.int(cursor))
            }
            order = "e.id DESC"
        }
        if let ruleID = query.ruleID {
            conditions.append("EXISTS (SELECT 1 FROM alerts r WHERE r.event_id = e.id AND r.rule_id = ?)")
            arguments.append(.text(ruleID))
        }
        // The exact value, among the key's scalars (an array or object holds several).
        for term in checks {
            conditions.append(
                "EXISTS (SELECT 1 FROM json_tree(e.normalized, ?) j WHERE j.atom IS NOT NULL AND CAST(j.atom AS TEXT) = ?)"
            )
            arguments += [.text("$.\"" + term.key.replacingOccurrences(of: "\"", with: "") + "\""), .text(term.value)]
        }
        if let since = query.since {
            conditions.append("e.ts >= ?")
            arguments.append(.int(micros(since)))
        }
        if let until = query.until {
            conditions.append("e.ts < ?")
            arguments.append(.int(micros(until)))
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        guard ordered else { return (sql, arguments) }
        sql += " ORDER BY \(order) LIMIT ?"
        arguments.append(.int(Int64(query.limit + 1)))
        return (sql, arguments)
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
            var sql = "SELECT \(Self.alertColumns) FROM "
            var conditions: [String] = []
            var arguments: [SQLValue] = []
            let keys = AlertKeys.tokens(ruleID: query.ruleID, severity: query.severity, agentID: query.agentID)
            let order: String
            if let ip = query.ip {
                sql += "event_keys k JOIN alerts a ON a.event_id = k.rowid JOIN events e ON e.id = a.event_id"
                let (condition, values) = Self.hasAddress(ip)
                conditions += ["event_keys MATCH ?", condition]
                arguments += [.text(EventKeys.token("ip", ip))] + values
                order = "a.id DESC"
            } else if !keys.isEmpty {
                sql += "alert_keys k JOIN alerts a ON a.id = k.rowid"
                conditions.append("alert_keys MATCH ?")
                arguments.append(.text(keys.joined(separator: " AND ")))
                order = "k.rowid DESC"
            } else {
                sql += "alerts a"
                order = "a.id DESC"
            }
            if let cursor = query.cursor {
                conditions.append(query.ip == nil && !keys.isEmpty ? "k.rowid < ?" : "a.id < ?")
                arguments.append(.int(cursor))
            }
            if let agentID = query.agentID {
                conditions.append("a.agent_id = ?")
                arguments.append(.text(agentID))
            }
            if let ruleID = query.ruleID {
                conditions.append("a.rule_id = ?")
                arguments.append(.text(ruleID))
            }
            if let severity = query.severity {
                conditions.append("a.severity = ?")
                arguments.append(.text(severity.rawValue))
            }
            if let since = query.since {
                conditions.append("a.created_at >= ?")
                arguments.append(.int(micros(since)))
            }
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY \(order) LIMIT ?"
            arguments.append(.int(Int64(query.limit + 1)))
            let statement = try connection.prepare(sql)
            try statement.bind(arguments)
            var items: [Alert] = []
            while try statement.step() { items.append(Self.alert(from: statement)) }
            var next: String?
            if items.count > query.limit {
                items.removeLast()
                next = items.last?.id.map(String.init)
            }
            return Page(items: items, nextCursor: next)
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
