import Foundation
import SIEMCore

/// Threat-intel indicators in SQLite; feeds are in `SQLiteIOCStore+Feeds.swift`.
public final class SQLiteIOCStore: IOCStore, SQLiteBacked {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    static let iocColumns =
        "id, type, value, source, note, severity, created_at, updated_at, expires_at, hit_count, last_hit_at"

    public func upsert(_ iocs: [IOC]) async throws -> [IOCUpsert] {
        guard !iocs.isEmpty else { return [] }
        return try await writer.write { connection in
            let find = "SELECT id FROM iocs WHERE type = ? AND value = ?"
            let update = try connection.prepare(
                "UPDATE iocs SET source = ?, note = ?, severity = ?, expires_at = ?, updated_at = ? WHERE id = ?")
            let insert = try connection.prepare(
                """
                INSERT INTO iocs(type, value, source, note, severity, created_at, updated_at, expires_at)
                VALUES(?,?,?,?,?,?,?,?)
                """)
            // A person's values win over a feed's: no feed owns the IOC any more, so none removes it.
            let disown = try connection.prepare("UPDATE ti_feed_iocs SET owner = 0 WHERE ioc_id = ? AND owner = 1")
            var results: [IOCUpsert] = []
            results.reserveCapacity(iocs.count)
            for ioc in iocs {
                let expires: SQLValue = ioc.expiresAt.map { .int(micros($0)) } ?? .null
                if let id = try connection.scalar(find, [.text(ioc.type.rawValue), .text(ioc.value)]) {
                    try update.run([
                        .text(ioc.source), .text(ioc.note), .text(ioc.severity.rawValue), expires,
                        .int(micros(ioc.updatedAt)), .int(id),
                    ])
                    try disown.run([.int(id)])
                    results.append(IOCUpsert(ioc: try Self.ioc(id: id, on: connection)!, created: false))
                } else {
                    try insert.run([
                        .text(ioc.type.rawValue), .text(ioc.value), .text(ioc.source), .text(ioc.note),
                        .text(ioc.severity.rawValue), .int(micros(ioc.createdAt)), .int(micros(ioc.updatedAt)),
                        expires,
                    ])
                    var stored = ioc
                    stored.id = connection.lastInsertRowID
                    results.append(IOCUpsert(ioc: stored, created: true))
                }
            }
            return results
        }
    }

    public func iocs(_ query: IOCQuery) async throws -> Page<IOC> {
        try await readers.read { connection in
            var select = PagedQuery("SELECT \(Self.iocColumns) FROM iocs", id: "id")
            select.before(query.cursor)
            select.equals("type", query.type?.rawValue)
            select.equals("value", query.value)
            select.equals("source", query.source)
            return try select.page(limit: query.limit, on: connection, id: \.id, row: Self.ioc(from:))
        }
    }

    public func ioc(id: IOC.ID) async throws -> IOC? {
        try await readers.read { connection in try Self.ioc(id: id, on: connection) }
    }

    public func deleteIOC(id: IOC.ID) async throws -> Bool {
        try await writer.write { connection in
            try connection.prepare("DELETE FROM iocs WHERE id = ?").run([.int(id)])
            return connection.changes > 0
        }
    }

    public func activeIOCs(at time: Date) async throws -> [IOC] {
        try await readers.read { connection in
            let statement = try connection.prepare(
                "SELECT \(Self.iocColumns) FROM iocs WHERE expires_at IS NULL OR expires_at > ?")
            try statement.bind([.int(micros(time))])
            var items: [IOC] = []
            while try statement.step() { items.append(Self.ioc(from: statement)) }
            return items
        }
    }

    public func insertRetroAlerts(_ alerts: [Alert]) async throws -> [Alert] {
        guard !alerts.isEmpty else { return [] }
        let stored = try await writer.write { connection in
            let exists = try connection.prepare(
                """
                SELECT 1 FROM alerts WHERE event_id = ? AND rule_id = ?
                AND json_extract(details, '$.ioc_id') IS ?
                """)
            let insert = try connection.prepare(
                """
                INSERT INTO alerts(event_id, created_at, rule_id, title, severity, description, tags, details, host, agent_id)
                VALUES(?,?,?,?,?,?,?,?,?,?)
                """)
            var stored: [Alert] = []
            for var alert in alerts {
                guard let eventID = alert.eventID else { continue }
                exists.reset()
                try exists.bind([.int(eventID), .text(alert.ruleID), Self.iocID(of: alert).map { .int($0) } ?? .null])
                if try exists.step() { continue }
                try insert.run([
                    .int(eventID), .int(micros(alert.createdAt)), .text(alert.ruleID), .text(alert.title),
                    .text(alert.severity.rawValue), .text(alert.description),
                    .text(JSONValue.array(alert.tags.map { .string($0) }).jsonText),
                    .text(JSONValue.jsonText(alert.details)), .text(alert.host),
                    alert.agentID.map { .text($0) } ?? .null,
                ])
                alert.id = connection.lastInsertRowID
                try AlertKeys.insert(AlertKeys.tokens(for: alert), id: alert.id!, on: connection)
                stored.append(alert)
            }
            try recordIOCHits(stored, on: connection)
            return stored
        }
        database.totals.add(events: 0, alerts: stored.count)
        return stored
    }

    // MARK: Helpers

    static func ioc(id: IOC.ID, on connection: SQLiteConnection) throws -> IOC? {
        let statement = try connection.prepare("SELECT \(Self.iocColumns) FROM iocs WHERE id = ?")
        try statement.bind([.int(id)])
        return try statement.step() ? ioc(from: statement) : nil
    }

    static func ioc(from statement: Statement) -> IOC {
        IOC(
            id: statement.int64(0),
            type: IOCType(rawValue: statement.text(1)) ?? .ip,
            value: statement.text(2),
            source: statement.text(3),
            note: statement.text(4),
            severity: Severity(rawValue: statement.text(5)) ?? .high,
            createdAt: date(statement.int64(6)),
            updatedAt: date(statement.int64(7)),
            expiresAt: statement.isNull(8) ? nil : date(statement.int64(8)),
            hitCount: Int(statement.int64(9)),
            lastHitAt: statement.isNull(10) ? nil : date(statement.int64(10))
        )
    }

    static func iocID(of alert: Alert) -> IOC.ID? {
        guard alert.ruleID.hasPrefix("ti_"), case .int(let id)? = alert.details["ioc_id"] else { return nil }
        return id
    }
}

/// Counts the `ti_*` alerts against their IOCs, in the caller's transaction.
func recordIOCHits(_ alerts: [Alert], on connection: SQLiteConnection) throws {
    var update: Statement?
    for alert in alerts {
        guard let id = SQLiteIOCStore.iocID(of: alert) else { continue }
        if update == nil {
            update = try connection.prepare(
                """
                UPDATE iocs SET hit_count = hit_count + 1,
                last_hit_at = max(coalesce(last_hit_at, 0), ?) WHERE id = ?
                """)
        }
        try update!.run([.int(micros(alert.createdAt)), .int(id)])
    }
}
