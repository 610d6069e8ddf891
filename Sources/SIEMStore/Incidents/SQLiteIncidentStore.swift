import Foundation
import SIEMCore

/// MDR incidents, notes and timelines in SQLite.
public final class SQLiteIncidentStore: IncidentStore, SQLiteBacked {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    static let incidentColumns = """
        i.id, i.title, i.severity, i.status, i.resolution, i.assigned_to, i.description, i.created_at, \
        i.updated_at, i.rule_id, i.group_key, i.last_alert_at, \
        (SELECT group_concat(alert_id) FROM incident_alerts WHERE incident_id = i.id)
        """

    public func createIncident(_ incident: Incident, actor: String) async throws -> Incident {
        try await writer.write { connection in try Self.create(incident, actor: actor, on: connection) }
    }

    public func incidents(_ query: IncidentQuery) async throws -> Page<Incident> {
        try await readers.read { connection in
            var select = PagedQuery("SELECT \(Self.incidentColumns) FROM incidents i", id: "i.id")
            select.before(query.cursor)
            select.equals("i.status", query.status?.rawValue)
            select.equals("i.assigned_to", query.assignedTo)
            select.equals("i.severity", query.severity?.rawValue)
            return try select.page(limit: query.limit, on: connection, id: \.id, row: Self.incident(from:))
        }
    }

    public func incident(id: Incident.ID) async throws -> Incident? {
        try await readers.read { connection in try Self.incident(id: id, on: connection) }
    }

    public func incidentDetails(id: Incident.ID) async throws -> IncidentDetails? {
        try await readers.read { connection in
            guard let incident = try Self.incident(id: id, on: connection) else { return nil }
            let notes = try connection.prepare(
                "SELECT id, author, note, created_at FROM incident_notes WHERE incident_id = ? ORDER BY id")
            try notes.bind([.int(id)])
            var noteItems: [IncidentNote] = []
            while try notes.step() {
                noteItems.append(
                    IncidentNote(
                        id: notes.int64(0), author: notes.text(1), note: notes.text(2),
                        createdAt: date(notes.int64(3))))
            }
            let timeline = try connection.prepare(
                """
                SELECT at, actor, action, field, old_value, new_value FROM incident_timeline
                WHERE incident_id = ? ORDER BY id
                """)
            try timeline.bind([.int(id)])
            var changes: [IncidentChange] = []
            while try timeline.step() {
                changes.append(
                    IncidentChange(
                        at: date(timeline.int64(0)), actor: timeline.text(1), action: timeline.text(2),
                        field: timeline.optionalText(3), from: timeline.optionalText(4),
                        to: timeline.optionalText(5)))
            }
            return IncidentDetails(incident: incident, notes: noteItems, timeline: changes)
        }
    }

    public func updateIncident(id: Incident.ID, _ update: IncidentUpdate, actor: String, at time: Date) async throws
        -> Incident
    {
        try await writer.write { connection in
            guard let current = try Self.incident(id: id, on: connection) else {
                throw StoreError.notFound("no incident with id \(id)")
            }
            var changes: [(field: String, from: String?, to: String?)] = []
            if let title = update.title, title != current.title { changes.append(("title", current.title, title)) }
            if let severity = update.severity, severity != current.severity {
                changes.append(("severity", current.severity.rawValue, severity.rawValue))
            }
            if let status = update.status, status != current.status {
                changes.append(("status", current.status.rawValue, status.rawValue))
            }
            if let resolution = update.resolution, resolution != current.resolution {
                changes.append(("resolution", current.resolution?.rawValue, resolution.rawValue))
            }
            if let assignedTo = update.assignedTo, assignedTo != current.assignedTo {
                changes.append(("assigned_to", current.assignedTo, assignedTo))
            }
            guard !changes.isEmpty else { return current }
            let statement = try connection.prepare(
                """
                UPDATE incidents SET title = ?, severity = ?, status = ?, resolution = ?, assigned_to = ?,
                updated_at = ? WHERE id = ?
                """)
            try statement.run([
                .text(update.title ?? current.title),
                .text((update.severity ?? current.severity).rawValue),
                .text((update.status ?? current.status).rawValue),
                (update.resolution ?? current.resolution).map { .text($0.rawValue) } ?? .null,
                (update.assignedTo ?? current.assignedTo).map { .text($0) } ?? .null,
                .int(micros(time)), .int(id),
            ])
            for change in changes {
                try Self.record(
                    IncidentChange(
                        at: time, actor: actor, action: "updated", field: change.field, from: change.from, to: change.to
                    ),
                    incident: id, on: connection)
            }
            return try Self.incident(id: id, on: connection)!
        }
    }

    public func addNote(incidentID: Incident.ID, author: String, note: String, at time: Date) async throws
        -> IncidentNote
    {
        try await writer.write { connection in
            guard try Self.incident(id: incidentID, on: connection) != nil else {
                throw StoreError.notFound("no incident with id \(incidentID)")
            }
            try connection.prepare(
                "INSERT INTO incident_notes(incident_id, author, note, created_at) VALUES(?,?,?,?)"
            ).run([.int(incidentID), .text(author), .text(note), .int(micros(time))])
            let id = connection.lastInsertRowID
            try connection.prepare("UPDATE incidents SET updated_at = ? WHERE id = ?").run([
                .int(micros(time)), .int(incidentID),
            ])
            try Self.record(
                IncidentChange(at: time, actor: author, action: "note_added", field: "notes", to: String(id)),
                incident: incidentID, on: connection)
            return IncidentNote(id: id, author: author, note: note, createdAt: time)
        }
    }

    public func linkAlerts(_ alertIDs: [Alert.ID], toIncident id: Incident.ID, actor: String, at time: Date)
        async throws -> Incident
    {
        try await writer.write { connection in
            guard try Self.incident(id: id, on: connection) != nil else {
                throw StoreError.notFound("no incident with id \(id)")
            }
            try Self.link(alertIDs, to: id, actor: actor, at: time, on: connection)
            return try Self.incident(id: id, on: connection)!
        }
    }

    public func autoCreateIncidents(
        for writes: [EventWrite], minimum: Severity, window: TimeInterval, at time: Date
    ) async throws -> [IncidentAssignment] {
        let candidates = writes.flatMap { write in
            write.alerts.filter { $0.severity >= minimum && $0.id != nil }.map { (alert: $0, event: write.event) }
        }
        guard !candidates.isEmpty else { return [] }
        return try await writer.write { connection in
            let open = try connection.prepare(
                """
                SELECT id FROM incidents WHERE rule_id = ? AND group_key = ? AND status IN ('open','acknowledged','in_progress')
                AND last_alert_at >= ? ORDER BY id DESC LIMIT 1
                """)
            var assignments: [IncidentAssignment] = []
            for (alert, event) in candidates {
                let key = event.incidentGroupKey
                open.reset()
                try open.bind([
                    .text(alert.ruleID), .text(key), .int(micros(alert.createdAt.addingTimeInterval(-window))),
                ])
                if try open.step() {
                    let id = open.int64(0)
                    open.reset()
                    try Self.link([alert.id!], to: id, actor: "siemd", at: time, on: connection)
                    let severity = try Self.incident(id: id, on: connection)?.severity ?? alert.severity
                    if alert.severity > severity {
                        try connection.prepare("UPDATE incidents SET severity = ? WHERE id = ?").run([
                            .text(alert.severity.rawValue), .int(id),
                        ])
                    }
                    assignments.append(
                        IncidentAssignment(
                            incident: try Self.incident(id: id, on: connection)!, alertID: alert.id!, created: false))
                } else {
                    open.reset()
                    let incident = try Self.create(
                        Incident(
                            title: alert.title, severity: alert.severity,
                            description: "Opened automatically for \(alert.ruleID) on \(key)", createdAt: time,
                            ruleID: alert.ruleID, groupKey: key, alertIDs: [alert.id!]),
                        actor: "siemd", on: connection)
                    assignments.append(IncidentAssignment(incident: incident, alertID: alert.id!, created: true))
                }
            }
            return assignments
        }
    }

    // MARK: Helpers (writer thread or reader connection)

    static func create(_ incident: Incident, actor: String, on connection: SQLiteConnection) throws -> Incident {
        try connection.prepare(
            """
            INSERT INTO incidents(title, severity, status, resolution, assigned_to, description, created_at,
            updated_at, rule_id, group_key, last_alert_at) VALUES(?,?,?,?,?,?,?,?,?,?,?)
            """
        ).run([
            .text(incident.title), .text(incident.severity.rawValue), .text(incident.status.rawValue),
            incident.resolution.map { .text($0.rawValue) } ?? .null, incident.assignedTo.map { .text($0) } ?? .null,
            .text(incident.description), .int(micros(incident.createdAt)), .int(micros(incident.updatedAt)),
            incident.ruleID.map { .text($0) } ?? .null, incident.groupKey.map { .text($0) } ?? .null, .null,
        ])
        let id = connection.lastInsertRowID
        try record(
            IncidentChange(
                at: incident.createdAt, actor: actor, action: "created", field: "status", to: incident.status.rawValue),
            incident: id, on: connection)
        if let assignedTo = incident.assignedTo {
            try record(
                IncidentChange(
                    at: incident.createdAt, actor: actor, action: "updated", field: "assigned_to", to: assignedTo),
                incident: id, on: connection)
        }
        try link(incident.alertIDs, to: id, actor: actor, at: incident.createdAt, on: connection)
        return try Self.incident(id: id, on: connection)!
    }

    static func link(
        _ alertIDs: [Alert.ID], to id: Incident.ID, actor: String, at time: Date, on connection: SQLiteConnection
    ) throws {
        guard !alertIDs.isEmpty else { return }
        let alertTime = try connection.prepare("SELECT created_at FROM alerts WHERE id = ?")
        let insert = try connection.prepare(
            "INSERT OR IGNORE INTO incident_alerts(incident_id, alert_id, linked_at) VALUES(?,?,?)")
        var latest: Int64 = 0
        for alertID in alertIDs {
            alertTime.reset()
            try alertTime.bind([.int(alertID)])
            guard try alertTime.step() else { throw StoreError.notFound("no alert with id \(alertID)") }
            latest = max(latest, alertTime.int64(0))
            alertTime.reset()
            try insert.run([.int(id), .int(alertID), .int(micros(time))])
            if connection.changes > 0 {
                try record(
                    IncidentChange(
                        at: time, actor: actor, action: "alert_linked", field: "alerts", to: String(alertID)),
                    incident: id, on: connection)
            }
        }
        try connection.prepare(
            "UPDATE incidents SET last_alert_at = max(coalesce(last_alert_at, 0), ?), updated_at = ? WHERE id = ?"
        ).run([.int(latest), .int(micros(time)), .int(id)])
    }

    static func record(_ change: IncidentChange, incident id: Incident.ID, on connection: SQLiteConnection) throws {
        try connection.prepare(
            """
            INSERT INTO incident_timeline(incident_id, at, actor, action, field, old_value, new_value)
            VALUES(?,?,?,?,?,?,?)
            """
        ).run([
            .int(id), .int(micros(change.at)), .text(change.actor), .text(change.action),
            change.field.map { .text($0) } ?? .null, change.from.map { .text($0) } ?? .null,
            change.to.map { .text($0) } ?? .null,
        ])
    }

    static func incident(id: Incident.ID, on connection: SQLiteConnection) throws -> Incident? {
        let statement = try connection.prepare("SELECT \(incidentColumns) FROM incidents i WHERE i.id = ?")
        try statement.bind([.int(id)])
        return try statement.step() ? Self.incident(from: statement) : nil
    }

    static func incident(from statement: Statement) -> Incident {
        Incident(
            id: statement.int64(0),
            title: statement.text(1),
            severity: Severity(rawValue: statement.text(2)) ?? .medium,
            status: IncidentStatus(rawValue: statement.text(3)) ?? .open,
            resolution: statement.optionalText(4).flatMap(IncidentResolution.init(rawValue:)),
            assignedTo: statement.optionalText(5),
            description: statement.text(6),
            createdAt: date(statement.int64(7)),
            updatedAt: date(statement.int64(8)),
            ruleID: statement.optionalText(9),
            groupKey: statement.optionalText(10),
            lastAlertAt: statement.isNull(11) ? nil : date(statement.int64(11)),
            alertIDs: statement.text(12).split(separator: ",").compactMap { Int64($0) }.sorted()
        )
    }
}
