import Foundation

/// How hard SQLite works to keep a commit on disk. `full` survives power loss; `normal` survives
/// a crash of siemd (WAL) but may lose the last commits on power loss.
public enum SyncMode: String, Sendable, CaseIterable {
    case full, normal
}

/// One SQLite database file: the writer thread with group commit and the pool of WAL readers that
/// every SQLite store (events, IOCs, incidents, EDR) shares, so a write that touches several of
/// them (an event insert that counts IOC hits) is one transaction.
public final class SQLiteDatabase: Sendable {
    public let path: String
    let writer: SQLiteWriter
    let readers: SQLiteReadPool
    let totals: Totals
    /// The search-index watermark and the newest event id when the file was opened.
    let indexedAtOpen: (indexed: Int64, newest: Int64)

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
        totals = Totals(
            events: Int(try connection.scalar("SELECT count(*) FROM events") ?? 0),
            alerts: Int(try connection.scalar("SELECT count(*) FROM alerts") ?? 0))
        indexedAtOpen = (
            try connection.scalar("SELECT indexed_id FROM index_state WHERE name = 'events'") ?? 0,
            try connection.scalar("SELECT max(id) FROM events") ?? 0
        )
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

    /// Commits what is queued and stops accepting writes.
    public func close() {
        writer.close()
    }
}

/// A store kept in a `SQLiteDatabase`: its writes go through the shared writer, its reads through
/// the shared pool.
protocol SQLiteBacked: Sendable {
    var database: SQLiteDatabase { get }
}

extension SQLiteBacked {
    var writer: SQLiteWriter { database.writer }
    var readers: SQLiteReadPool { database.readers }
}

extension Stores {
    /// Every store in one SQLite file at `path` (created and migrated when needed).
    /// `indexMode` says when searches see a new event (see `IndexMode`).
    public static func sqlite(
        path: String, sync: SyncMode = .full, readers: Int = 4, indexMode: IndexMode = .inline
    ) throws(StoreError) -> Stores {
        let database = try SQLiteDatabase(path: path, sync: sync, readers: readers)
        return Stores(
            events: SQLiteEventStore(database: database, indexMode: indexMode),
            iocs: SQLiteIOCStore(database: database),
            incidents: SQLiteIncidentStore(database: database), edr: SQLiteEDRStore(database: database),
            audit: SQLiteAuditStore(database: database))
    }
}
