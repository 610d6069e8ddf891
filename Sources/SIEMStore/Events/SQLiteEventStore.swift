import CSQLite
import Foundation
import SIEMCore
import Synchronization

/// Events and alerts in SQLite: written through the database's writer thread with group commit,
/// read through its pool of WAL readers.
public final class SQLiteEventStore: EventStore, SQLiteBacked {
    public let database: SQLiteDatabase
    var totals: Totals { database.totals }
    public var path: String { database.path }

    /// Threshold and correlation detection run inside each ingest transaction (see `attach`).
    private let detector = Mutex<(any CommitDetector)?>(nil)
    /// Fills the search indexes: in each ingest transaction (`.inline`, the default) or behind it.
    let indexer: EventIndexer

    /// Events and alerts in `database`; `indexMode` says when searches see a new event.
    public init(database: SQLiteDatabase, indexMode: IndexMode = .inline) {
        self.database = database
        indexer = EventIndexer(
            mode: indexMode, writer: database.writer, indexedID: database.indexedAtOpen.indexed,
            newestID: database.indexedAtOpen.newest)
        indexer.start()
    }

    public var indexMode: IndexMode { indexer.mode }

    public func indexStatus() async -> IndexStatus { indexer.status }

    public func waitForIndex(timeout: Duration) async -> Bool {
        await indexer.waitForIndex(timeout: timeout)
    }

    /// Runs `detector` inside every ingest transaction from now on, first restoring the state it
    /// left in the database; after a rollback it is restored again from what the database holds.
    public func attach(_ detector: any CommitDetector) async throws {
        let states = try await writer.write { connection in try Self.correlationStates(on: connection) }
        detector.restore(states)
        let first = self.detector.withLock { current in
            defer { current = detector }
            return current == nil
        }
        if first {
            writer.onRollback { [weak self] connection in
                guard let self, let detector = self.detector.withLock({ $0 }) else { return }
                detector.restore((try? Self.correlationStates(on: connection)) ?? [])
            }
        }
    }

    static func correlationStates(on connection: SQLiteConnection) throws -> [(key: String, state: Data)] {
        let select = try connection.prepare("SELECT key, state FROM correlation_state")
        defer { select.reset() }
        var states: [(key: String, state: Data)] = []
        while try select.step() {
            if let data = Data(base64Encoded: select.text(1)) { states.append((select.text(0), data)) }
        }
        return states
    }

    /// Writes what the detector raised and its state changes, in the job's transaction.
    static func detect(
        _ stored: inout [EventWrite], with detector: any CommitDetector, on connection: SQLiteConnection
    ) throws {
        guard stored.contains(where: { !$0.ruleMatches.isEmpty }) else { return }
        let output = detector.detect(stored)
        for (index, alert) in output.alerts where stored.indices.contains(index) {
            let event = stored[index].event
            guard let eventID = event.id else { continue }
            var keyed = alert
            keyed.agentID = event.agentID
            let values = alertValues(alert, host: event.host, agentID: event.agentID)
            if let raised = try write(
                alert, values: values, keys: AlertKeys.tokens(for: keyed), eventID: eventID, host: event.host,
                agentID: event.agentID, on: connection)
            {
                stored[index].alerts.append(raised)
            }
        }
        guard !output.state.isEmpty else { return }
        let upsert = try connection.prepare(
            "INSERT INTO correlation_state(key, state) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET state = excluded.state"
        )
        let delete = try connection.prepare("DELETE FROM correlation_state WHERE key = ?")
        for (key, state) in output.state {
            if let state {
                try upsert.run([.text(key), .text(state.base64EncodedString())])
            } else {
                try delete.run([.text(key)])
            }
        }
    }

    /// Opens its own database at `path` (tests and tools that need only events and alerts).
    public convenience init(
        path: String, sync: SyncMode = .full, readers: Int = 4, indexMode: IndexMode = .inline
    ) throws(StoreError) {
        self.init(database: try SQLiteDatabase(path: path, sync: sync, readers: readers), indexMode: indexMode)
    }

    /// Group-commit figures: commits so far and jobs (insert calls) per commit.
    public var commitStatistics: String { database.commitStatistics }

    public func close() async {
        await indexer.close()
        database.close()
    }

    // MARK: Writes

    public func insert(_ writes: [EventWrite]) async throws -> [EventWrite] {
        guard !writes.isEmpty else { return [] }
        // Encoding happens here, on the caller's task, in parallel; the writer thread (the one
        // serial stage of ingest) only binds and steps.
        let rows = writes.map(EventRows.init)
        let hasStreams = writes.contains { $0.event.stream != nil }
        let detector = self.detector.withLock { $0 }
        let inline = indexer.mode == .inline
        let (stored, storedRows) = try await writer.write { connection in
            var (stored, storedRows) =
                hasStreams
                ? try Self.insert(rows, index: inline, advancingStreamsOn: connection)
                : (try rows.map { try $0.insert(into: connection, index: inline) }, Array(rows.indices))
            if inline, let first = stored.first?.event.id, let last = stored.last?.event.id {
                try EventIndexer.advanceInline(first: first, last: last, on: connection)
            }
            if let detector { try Self.detect(&stored, with: detector, on: connection) }
            return (stored, storedRows)
        }
        indexer.committed(
            zip(stored, storedRows).map { write, row in (write.event.id!, inline ? nil : rows[row].indexEntry) })
        totals.add(events: stored.count, alerts: stored.reduce(0) { $0 + $1.alerts.count })
        return stored
    }

    /// Inserts the rows whose stream position is not yet stored and advances their streams'
    /// committed offsets, in the caller's transaction (see `StreamPosition`): a line that starts
    /// below its stream's offset was stored before and is dropped.
    static func insert(
        _ rows: [EventRows], index: Bool, advancingStreamsOn connection: SQLiteConnection
    ) throws -> ([EventWrite], [Int]) {
        struct Key: Hashable {
            var scope: String
            var id: String
        }
        var committed: [Key: (offset: Int64, advanced: Bool)] = [:]
        let read = try connection.prepare("SELECT committed FROM stream_positions WHERE scope = ? AND stream = ?")
        var stored: [EventWrite] = []
        var storedRows: [Int] = []
        stored.reserveCapacity(rows.count)
        for (rowIndex, row) in rows.enumerated() {
            guard let position = row.write.event.stream else {
                stored.append(try row.insert(into: connection, index: index))
                storedRows.append(rowIndex)
                continue
            }
            let key = Key(scope: position.scope, id: position.id)
            if committed[key] == nil {
                try read.bind([.text(key.scope), .text(key.id)])
                committed[key] = (try read.step() ? read.int64(0) : 0, false)
                read.reset()
            }
            guard position.start >= committed[key]!.offset else { continue }
            stored.append(try row.insert(into: connection, index: index))
            storedRows.append(rowIndex)
            committed[key] = (max(committed[key]!.offset, position.end), true)
        }
        let upsert = try connection.prepare(
            """
            INSERT INTO stream_positions(scope, stream, committed, updated_at) VALUES(?,?,?,?)
            ON CONFLICT(scope, stream) DO UPDATE SET committed = excluded.committed, updated_at = excluded.updated_at
            """)
        let now = micros(Date())
        for (key, value) in committed where value.advanced {
            try upsert.run([.text(key.scope), .text(key.id), .int(value.offset), .int(now)])
        }
        return (stored, storedRows)
    }

    /// Writes one event, its filter terms, its full-text entry and its alerts (inside a transaction).
    public static func insert(_ write: EventWrite, into connection: SQLiteConnection) throws -> EventWrite {
        try EventRows(write).insert(into: connection, index: true)
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

    public func ping() async throws {
        _ = try await readers.read { connection in try connection.scalar("SELECT 1") }
    }

    public func counts() async throws -> StoreCounts {
        totals.snapshot
    }
}
