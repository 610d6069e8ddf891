import Foundation
import SIEMCore

/// The audit log in SQLite. Triggers in the schema refuse every UPDATE and DELETE of `audit_log`,
/// so the log stays append-only whatever connection writes to the file.
public final class SQLiteAuditStore: AuditStore, SQLiteBacked {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    static let columns = "id, at, actor, role, address, action, target, status, details"

    public func record(_ entries: [AuditEntry]) async throws -> [AuditEntry] {
        guard !entries.isEmpty else { return [] }
        return try await writer.write { connection in
            let insert = try connection.prepare(
                """
                INSERT INTO audit_log(at, actor, role, address, action, target, status, details)
                VALUES(?,?,?,?,?,?,?,?)
                """)
            return try entries.map { entry in
                try insert.run([
                    .int(micros(entry.at)), .text(entry.actor), entry.role.map { .text($0) } ?? .null,
                    entry.address.map { .text($0) } ?? .null, .text(entry.action), .text(entry.target),
                    .int(Int64(entry.status)), .text(JSONValue.jsonText(entry.details)),
                ])
                var stored = entry
                stored.id = connection.lastInsertRowID
                return stored
            }
        }
    }

    public func audit(_ query: AuditQuery) async throws -> Page<AuditEntry> {
        try await readers.read { connection in
            try Self.listing(query).page(limit: query.limit, on: connection, id: \.id, row: Self.entry(from:))
        }
    }

    // MARK: Helpers

    /// The statement `audit(_:)` runs (the tests ask SQLite how it plans it).
    static func listing(_ query: AuditQuery) -> PagedQuery {
        var select = PagedQuery("SELECT \(columns) FROM audit_log", id: "id")
        select.before(query.cursor)
        select.equals("actor", query.actor)
        select.equals("action", query.action)
        if let since = query.since { select.filter("at >= ?", [.int(micros(since))]) }
        if let until = query.until { select.filter("at < ?", [.int(micros(until))]) }
        return select
    }

    static func entry(from statement: Statement) -> AuditEntry {
        AuditEntry(
            id: statement.int64(0),
            at: date(statement.int64(1)),
            actor: statement.text(2),
            role: statement.optionalText(3),
            address: statement.optionalText(4),
            action: statement.text(5),
            target: statement.text(6),
            status: Int(statement.int64(7)),
            details: decodeObject(statement.text(8))
        )
    }
}
