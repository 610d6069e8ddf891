import CSQLite
import Foundation

/// One SQLite connection. Not Sendable: it is owned by one thread or one lock holder at a time.
public final class SQLiteConnection {
    let handle: OpaquePointer
    private var statementCache: [String: Statement] = [:]

    public init(path: String, readOnly: Bool = false) throws(StoreError) {
        var db: OpaquePointer?
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open database"
            if let db { sqlite3_close_v2(db) }
            throw .sqlite(code: code, message: "\(message) (\(path))")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    var lastError: StoreError {
        .sqlite(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)))
    }

    /// Runs one or more statements without parameters.
    public func execute(_ sql: String) throws(StoreError) {
        var error: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &error)
        if code != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? "error"
            sqlite3_free(error)
            throw .sqlite(code: code, message: message)
        }
    }

    /// A prepared statement for `sql`, cached for reuse on this connection. Bindings are cleared.
    public func prepare(_ sql: String) throws(StoreError) -> Statement {
        if let cached = statementCache[sql] {
            cached.reset()
            return cached
        }
        let statement = try Statement(connection: self, sql: sql)
        statementCache[sql] = statement
        return statement
    }

    /// Runs `body` in a transaction; it rolls back when `body` throws.
    public func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Resets every cached statement. A statement left mid-result keeps its read transaction open,
    /// which pins a WAL reader to an old snapshot (and holds back checkpoints); the read pool calls
    /// this after every use of a connection.
    func resetStatements() {
        for statement in statementCache.values { sqlite3_reset(statement.handle) }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// The first column of the first row of `sql`, as an integer.
    public func scalar(_ sql: String, _ arguments: [SQLValue] = []) throws(StoreError) -> Int64? {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        defer { statement.reset() }  // a statement left mid-result would pin a reader's snapshot
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int64(0)
    }
}
