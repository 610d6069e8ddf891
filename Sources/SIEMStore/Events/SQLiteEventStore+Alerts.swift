import Foundation
import SIEMCore

extension SQLiteEventStore {
    static let alertColumns =
        "a.id, a.event_id, a.created_at, a.rule_id, a.title, a.severity, a.description, a.tags, a.details, a.host, "
        + "a.agent_id, coalesce(a.ts, a.created_at), a.rule, a.kind, a.count, a.first_seen, a.last_seen, a.event_ids, "
        + "a.grp, a.status, a.assigned_to"

    public func alerts(_ query: AlertQuery) async throws -> Page<Alert> {
        try await readers.read { connection in
            try Self.alertsQuery(query).page(limit: query.limit, on: connection, id: \.id, row: Self.alert(from:))
        }
    }

    /// The alerts `query` selects, driven by the event key index (`ip`), the alert key index or
    /// the alerts table; `columns` are selected (an aggregate takes its `unordered` statement).
    static func alertsQuery(_ query: AlertQuery, columns: String = alertColumns) -> PagedQuery {
        let columns = "SELECT \(columns) FROM "
        let keys = AlertKeys.tokens(
            ruleID: query.ruleID, severity: query.severity, agentID: query.agentID, tag: query.tag,
            ruleFormat: query.ruleFormat)
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
        if let tag = query.tag {
            select.filter(
                "EXISTS (SELECT 1 FROM json_each(a.tags) WHERE lower(json_each.value) = ?)",
                [.text(tag.lowercased())])
        }
        if let format = query.ruleFormat {
            select.filter("coalesce(json_extract(a.rule, '$.format'), 'native') = ?", [.text(format)])
        }
        if let since = query.since { select.filter("a.created_at >= ?", [.int(micros(since))]) }
        Self.filter(&select, query)
        return select
    }

    static func alert(from statement: Statement) -> Alert {
        Alert(
            id: statement.int64(0),
            eventID: statement.int64(1),
            ts: date(statement.int64(11)),
            createdAt: date(statement.int64(2)),
            ruleID: statement.text(3),
            title: statement.text(4),
            severity: Severity(rawValue: statement.text(5)) ?? .medium,
            description: statement.text(6),
            tags: decodeStrings(statement.text(7)),
            details: decodeObject(statement.text(8)),
            host: statement.text(9),
            agentID: statement.optionalText(10),
            rule: alertRule(statement.optionalText(12)),
            kind: statement.optionalText(13).flatMap(AlertKind.init(rawValue:)) ?? .event,
            count: Int(statement.int64(14)),
            firstSeen: statement.isNull(15) ? nil : date(statement.int64(15)),
            lastSeen: statement.isNull(16) ? nil : date(statement.int64(16)),
            eventIDs: statement.isNull(17) ? [] : decodeIDs(statement.text(17)),
            group: statement.isNull(18) ? [:] : decodeObject(statement.text(18)),
            status: AlertStatus(rawValue: statement.text(19)) ?? .open,
            assignedTo: statement.optionalText(20)
        )
    }

    /// The `rule` column of an alert: nil for a native rule that says nothing more of itself.
    static func ruleValue(_ rule: AlertRule) -> SQLValue {
        guard rule.format != "native" || !rule.isEmpty else { return .null }
        var object: [String: JSONValue] = ["format": .string(rule.format)]
        if !rule.author.isEmpty { object["author"] = .string(rule.author) }
        if !rule.references.isEmpty { object["references"] = .array(rule.references.map { .string($0) }) }
        if !rule.falsePositives.isEmpty { object["falsepositives"] = .array(rule.falsePositives.map { .string($0) }) }
        if !rule.file.isEmpty { object["file"] = .string(rule.file) }
        return .text(JSONValue.jsonText(object))
    }

    static func alertRule(_ text: String?) -> AlertRule {
        guard let text else { return AlertRule() }
        let object = decodeObject(text)
        func strings(_ key: String) -> [String] {
            guard case .array(let items)? = object[key] else { return [] }
            return items.compactMap(\.stringValue)
        }
        return AlertRule(
            format: object["format"]?.stringValue ?? "native", author: object["author"]?.stringValue ?? "",
            references: strings("references"), falsePositives: strings("falsepositives"),
            file: object["file"]?.stringValue ?? "")
    }

    /// The triage and group filters shared by listing and bulk triage.
    static func filter(_ select: inout PagedQuery, _ query: AlertQuery) {
        if !query.statuses.isEmpty {
            let marks = Array(repeating: "?", count: query.statuses.count).joined(separator: ",")
            select.filter("a.status IN (\(marks))", query.statuses.map { .text($0.rawValue) })
        }
        if let assignee = query.assignedTo {
            if assignee.isEmpty {
                select.filter("a.assigned_to IS NULL", [])
            } else {
                select.filter("a.assigned_to = ?", [.text(assignee)])
            }
        }
        if let kind = query.kind {
            select.filter("coalesce(a.kind, 'event') = ?", [.text(kind.rawValue)])
        }
        for (field, value) in query.group.sorted(by: { $0.key < $1.key }) {
            // Group values are compared as text, case-insensitively (group keys fold case).
            select.filter(
                "lower(CAST(json_extract(a.grp, ?) AS TEXT)) = ?",
                [.text(Self.jsonPath(field)), .text(value.lowercased())])
        }
    }

    /// A JSON path selecting the key `field` (dots and all) of an object.
    static func jsonPath(_ field: String) -> String {
        "$.\"" + field.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Every event behind an alert, newest first (its own event for a one-event alert).
    public func alertEvents(id: Alert.ID, limit: Int, cursor: Event.ID?) async throws -> Page<Event> {
        try await readers.read { connection in
            var select = PagedQuery("SELECT \(Self.eventColumns) FROM events e", id: "e.id")
            select.filter(
                "(e.id IN (SELECT event_id FROM alert_events WHERE alert_id = ?) "
                    + "OR e.id = (SELECT event_id FROM alerts WHERE id = ?))", [.int(id), .int(id)])
            select.before(cursor)
            return try select.page(limit: limit, on: connection, id: \.id, row: Self.event(from:))
        }
    }

    /// Sets the status and/or assignee of the alerts `ids` in one transaction; returns the ids
    /// that name an alert, in the order of `ids`.
    public func triage(ids: [Alert.ID], _ change: AlertTriage, at time: Date) async throws -> [Alert.ID] {
        guard !ids.isEmpty, !change.isEmpty else { return [] }
        return try await writer.write { connection in
            let update = try connection.prepare(
                """
                UPDATE alerts SET status = coalesce(?, status),
                assigned_to = CASE WHEN ? THEN ? ELSE assigned_to END, updated_at = ? WHERE id = ?
                """)
            var changed: [Alert.ID] = []
            for id in ids {
                try update.run([
                    change.status.map { .text($0.rawValue) } ?? .null, .int(change.assignedTo == nil ? 0 : 1),
                    change.assignedTo.flatMap { $0.map { .text($0) } } ?? .null, .int(micros(time)), .int(id),
                ])
                if connection.changes > 0 { changed.append(id) }
            }
            return changed
        }
    }

    /// The ids of every alert `query` selects (its limit and cursor ignored), up to `cap`.
    public func alertIDs(_ query: AlertQuery, cap: Int) async throws -> [Alert.ID] {
        var query = query
        query.limit = min(cap, 1000)
        var ids: [Alert.ID] = []
        while ids.count < cap {
            let page = try await alerts(query)
            ids += page.items.compactMap(\.id)
            guard let next = page.nextCursor.flatMap({ Int64($0) }) else { break }
            query.cursor = next
        }
        return Array(ids.prefix(cap))
    }

    public func alert(id: Alert.ID) async throws -> Alert? {
        try await readers.read { connection in
            let statement = try connection.prepare("SELECT \(Self.alertColumns) FROM alerts a WHERE a.id = ?")
            try statement.bind([.int(id)])
            return try statement.step() ? Self.alert(from: statement) : nil
        }
    }
}
