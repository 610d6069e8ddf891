import ArgumentParser
import CSQLite
import Foundation
import SIEMCore
import SIEMRules
import SIEMStore

/// The honest ceiling for storing events: the least a C program must do through SQLite for the
/// searches siemd offers, with none of siemd's own schema or code on the path.
///
/// A fresh file (WAL, siemd's pragmas), prepared statements bound with the C API, one transaction
/// per batch, and a minimal schema for siemd's features: the event row with the column values
/// siemd stores, a contentless FTS5 index over the message, B-trees on `ts`, `(host, id)` and
/// `(agent_id, id)`, and `event_ips(ip, event_id)` with one row per address of the event. Events
/// are decoded, analyzed (normalized, addresses extracted) and encoded before the clock starts;
/// only the transactions are timed. Alerts are not stored.
struct CeilingBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceiling",
        abstract: "Rows/s of the minimal SQLite schema for siemd's searches, through the C API.")

    @Option(help: "NDJSON events (the bench-http bulk body), repeated to --events; default: the sample events.")
    var ndjson: String?
    @Option(help: "Rows to insert.") var events: Int = 200_000
    @Option(help: "Rows per transaction.") var batch: Int = 1000
    @Option(help: "full or normal (siemd's default is full).") var sync: String = "full"

    func run() throws {
        guard let mode = SyncMode(rawValue: sync) else {
            throw ValidationError("--sync must be full or normal, not \(sync)")
        }
        guard events > 0, batch > 0 else { throw ValidationError("--events and --batch must be positive") }
        let scratch = try ScratchFolder("siem-ceiling")
        let analyzer = EventAnalyzer(rules: RuleSet(rules: []))
        let input: String
        let result: Result
        if let ndjson {
            let data = try Data(contentsOf: URL(fileURLWithPath: ndjson))
            let decodedAt = Date()
            let decoded = try EventDecoder(maxEvents: 10_000_000).decode(data, format: .ndjson, receivedAt: decodedAt)
            guard !decoded.isEmpty else { throw ValidationError("\(ndjson) holds no events") }
            // Each distinct event is analyzed once; every repeat binds the same values with the
            // times of its own batch (its `ts` too when the event carries no time of its own), as
            // siemd receives the same body again and again.
            let analyzed = decoded.map { analyzer.analyze($0, at: decodedAt).event }
            input = "\(decoded.count) events of \((ndjson as NSString).lastPathComponent) repeated"
            result = try Self.measure(path: scratch.path("ceiling.sqlite3"), sync: mode, batches: batches) { range in
                let now = Date()
                return range.map { index in
                    var event = analyzed[index % analyzed.count]
                    if event.ts == decodedAt { event.ts = now }
                    event.receivedAt = now
                    return event
                }
            }
        } else {
            input = "sample events"
            result = try Self.measure(path: scratch.path("ceiling.sqlite3"), sync: mode, batches: batches) { range in
                let now = Date()
                return SampleEvents.make(range).map { analyzer.analyze($0, at: now).event }
            }
        }
        print(
            "ceiling: \(Int(result.rate)) rows/s (\(result.rows) rows, \(result.addresses) address rows, batch \(batch), sync \(sync), \(input); \(Self.label))"
        )
    }

    private var batches: [Range<Int>] { stride(from: 0, to: events, by: batch).map { $0..<min($0 + batch, events) } }

    /// What the ceiling indexes, for printed labels.
    static let label = "C API: FTS over message, ts, host, agent, ip indexes"

    struct Result {
        var rows = 0
        var addresses = 0
        var seconds = 0.0
        var rate: Double { seconds > 0 ? Double(rows) / seconds : 0 }
    }

    /// The ceiling for the sample events of `batches`, analyzed by `analyzer` (for `siem-bench all`).
    static func sampleRate(_ batches: [Range<Int>], analyzer: EventAnalyzer, path: String, sync: SyncMode) throws
        -> Double
    {
        try measure(path: path, sync: sync, batches: batches) { range in
            let now = Date()
            return SampleEvents.make(range).map { analyzer.analyze($0, at: now).event }
        }.rate
    }

    static let schema = """
        CREATE TABLE events(
            id INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            source TEXT NOT NULL,
            host TEXT NOT NULL,
            agent_id TEXT,
            log_type TEXT,
            message TEXT NOT NULL,
            fields TEXT NOT NULL,
            normalized TEXT NOT NULL,
            ips TEXT NOT NULL
        );
        CREATE INDEX events_ts ON events(ts);
        CREATE INDEX events_host ON events(host, id);
        CREATE INDEX events_agent ON events(agent_id, id) WHERE agent_id IS NOT NULL;
        CREATE TABLE event_ips(ip TEXT NOT NULL, event_id INTEGER NOT NULL, PRIMARY KEY(ip, event_id)) WITHOUT ROWID;
        CREATE VIRTUAL TABLE events_fts USING fts5(message, content='', columnsize=0);
        """

    /// Inserts the events `rows` gives for each of `batches` into a fresh database at `path`, one
    /// transaction per batch; `rows` and the encoding run outside the timed part.
    static func measure(path: String, sync: SyncMode, batches: [Range<Int>], rows: (Range<Int>) -> [Event])
        throws -> Result
    {
        let database = try Database(path: path)
        try database.execute(
            """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=\(sync == .full ? "FULL" : "NORMAL");
            PRAGMA cache_size=-65536;
            PRAGMA temp_store=MEMORY;
            """)
        try database.execute(schema)
        let insertEvent = try database.prepare(
            """
            INSERT INTO events(ts, received_at, source, host, agent_id, log_type, message, fields, normalized, ips)
            VALUES(?,?,?,?,?,?,?,?,?,?)
            """)
        let insertText = try database.prepare("INSERT INTO events_fts(rowid, message) VALUES(?,?)")
        let insertAddress = try database.prepare("INSERT OR IGNORE INTO event_ips(ip, event_id) VALUES(?,?)")
        var result = Result()
        for range in batches {
            let encoded = EncodedBatch(rows(range))
            let begin = ContinuousClock.now
            try database.execute("BEGIN IMMEDIATE")
            try encoded.bytes.withUnsafeBufferPointer { buffer in
                let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
                func bind(_ statement: OpaquePointer, _ index: Int32, _ span: EncodedBatch.Span) {
                    if span.count < 0 {
                        sqlite3_bind_null(statement, index)
                    } else {
                        sqlite3_bind_text(statement, index, base + span.start, span.count, nil)  // SQLITE_STATIC
                    }
                }
                for row in encoded.rows {
                    sqlite3_bind_int64(insertEvent, 1, row.ts)
                    sqlite3_bind_int64(insertEvent, 2, row.receivedAt)
                    for (offset, span) in row.texts.enumerated() { bind(insertEvent, Int32(offset + 3), span) }
                    try database.done(insertEvent)
                    let id = sqlite3_last_insert_rowid(database.handle)
                    sqlite3_bind_int64(insertText, 1, id)
                    bind(insertText, 2, row.texts[EncodedBatch.messageColumn])
                    try database.done(insertText)
                    for address in row.addresses {
                        bind(insertAddress, 1, address)
                        sqlite3_bind_int64(insertAddress, 2, id)
                        try database.done(insertAddress)
                    }
                }
            }
            try database.execute("COMMIT")
            result.seconds += (ContinuousClock.now - begin).seconds
            result.rows += encoded.rows.count
            result.addresses += encoded.rows.reduce(0) { $0 + $1.addresses.count }
        }
        return result
    }
}

struct CeilingError: Error, CustomStringConvertible {
    var description: String
}

/// The column values of a batch of analyzed events, as siemd encodes them: times in microseconds,
/// `fields` and `normalized` as compact JSON with sorted keys, `ips` as a JSON array. Text values
/// are spans of one byte buffer so that binding copies nothing.
struct EncodedBatch {
    struct Span {
        var start: Int
        /// -1: NULL.
        var count: Int32
    }

    struct Row {
        var ts: Int64
        var receivedAt: Int64
        /// source, host, agent_id, log_type, message, fields, normalized, ips.
        var texts: [Span]
        var addresses: [Span]
    }

    static let messageColumn = 4

    var bytes: [UInt8] = []
    var rows: [Row] = []

    init(_ events: [Event]) {
        rows.reserveCapacity(events.count)
        for event in events {
            var ips = "["
            for (index, ip) in event.ips.enumerated() {
                if index > 0 { ips += "," }
                JSONValue.writeString(ip, to: &ips)
            }
            ips += "]"
            let texts = [
                span(event.source), span(event.host), span(event.agentID), span(event.logType), span(event.message),
                span(JSONValue.jsonText(event.fields)), span(JSONValue.jsonText(event.normalized)), span(ips),
            ]
            rows.append(
                Row(
                    ts: Self.micros(event.ts), receivedAt: Self.micros(event.receivedAt), texts: texts,
                    addresses: event.ips.map { span($0) }))
        }
        if bytes.isEmpty { bytes.append(0) }  // a base address for the spans of empty texts
    }

    private mutating func span(_ text: String?) -> Span {
        guard let text else { return Span(start: 0, count: -1) }
        let start = bytes.count
        bytes.append(contentsOf: text.utf8)
        return Span(start: start, count: Int32(bytes.count - start))
    }

    static func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
}

/// One SQLite connection through the C API, closed when the value goes away.
private final class Database {
    let handle: OpaquePointer
    private var statements: [OpaquePointer] = []

    init(path: String) throws(CeilingError) {
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let db else {
            if let db { sqlite3_close_v2(db) }
            throw CeilingError(description: "cannot open \(path) (SQLite code \(code))")
        }
        handle = db
    }

    deinit {
        for statement in statements { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    func execute(_ sql: String) throws(CeilingError) {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "error"
            sqlite3_free(message)
            throw CeilingError(description: text)
        }
    }

    func prepare(_ sql: String) throws(CeilingError) -> OpaquePointer {
        var statement: OpaquePointer?
        guard
            sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
            let statement
        else { throw error }
        statements.append(statement)
        return statement
    }

    /// Steps `statement` to completion and resets it (bindings stay until rebound).
    func done(_ statement: OpaquePointer) throws(CeilingError) {
        guard sqlite3_step(statement) == SQLITE_DONE else {
            let failure = error
            sqlite3_reset(statement)
            throw failure
        }
        sqlite3_reset(statement)
    }

    private var error: CeilingError { CeilingError(description: String(cString: sqlite3_errmsg(handle))) }
}
