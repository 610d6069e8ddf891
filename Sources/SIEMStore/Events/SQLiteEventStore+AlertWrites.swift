import Foundation
import SIEMCore

/// Writing alerts inside the ingest transaction: a new row, or a repeat folded into the open alert
/// its suppression names (its count, first and last seen and evidence grow; no new row, so no
/// second webhook or incident link).
extension SQLiteEventStore {
    /// How many event ids an alert row keeps in `event_ids`: the first and the latest half each.
    static let evidenceSample = 10

    static let insertAlertSQL = """
        INSERT INTO alerts(event_id, created_at, rule_id, title, severity, description, tags, details, host, agent_id,
        ts, rule, kind, count, first_seen, last_seen, grp, suppress_key, event_ids)
        VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
        """

    /// The `alerts` columns from `created_at` to `suppress_key`, for `insertAlertSQL` (`write`
    /// adds `event_ids`, which takes the alert's own event).
    static func alertValues(_ alert: Alert, host: String, agentID: String?) -> [SQLValue] {
        [
            .int(micros(alert.createdAt)), .text(alert.ruleID), .text(alert.title), .text(alert.severity.rawValue),
            .text(alert.description), .text(JSONValue.array(alert.tags.map { .string($0) }).jsonText),
            .text(JSONValue.jsonText(alert.details)), .text(host), agentID.map { .text($0) } ?? .null,
            .int(micros(alert.ts)), ruleValue(alert.rule), alert.kind == .event ? .null : .text(alert.kind.rawValue),
            .int(Int64(alert.count)), .int(micros(alert.firstSeen)), .int(micros(alert.lastSeen)),
            alert.group.isEmpty ? .null : .text(JSONValue.jsonText(alert.group)),
            alert.suppression.map { .text($0.key) } ?? .null,
        ]
    }

    /// Writes `alert` about event `eventID`; returns it with its id when it is a new alert, nil
    /// when it was folded into an open one.
    static func write(
        _ alert: Alert, values: [SQLValue], keys: String, eventID: Int64, host: String, agentID: String?,
        on connection: SQLiteConnection
    ) throws -> Alert? {
        let evidence = [eventID] + (alert.suppression?.evidence ?? [])
        if let suppression = alert.suppression, let open = try openAlert(for: suppression, at: alert.ts, on: connection)
        {
            let absolute: Bool
            if case .burst = suppression.scope { absolute = true } else { absolute = false }
            try grow(open, with: alert, evidence: evidence, absoluteCount: absolute, on: connection)
            return nil
        }
        // One event's alert keeps no sample (`event_id` names it); one that stands for several
        // keeps the first and latest of its events, its own included.
        let standsForSeveral = alert.suppression != nil || alert.kind != .event
        var sampled: [Int64] = []
        if standsForSeveral {
            var seen: Set<Int64> = []
            sampled = sample((alert.eventIDs + evidence).filter { seen.insert($0).inserted })
        }
        try connection.prepare(insertAlertSQL).run(
            [.int(eventID)] + values + [sampled.count > 1 ? .text(idsText(sampled)) : .null])
        var stored = alert
        stored.id = connection.lastInsertRowID
        stored.eventID = eventID
        stored.host = host
        stored.agentID = agentID
        if standsForSeveral && sampled.count > 1 { stored.eventIDs = sampled }
        try AlertKeys.insert(keys, id: stored.id!, on: connection)
        if standsForSeveral { try link(stored.id!, to: evidence, on: connection) }
        return stored
    }

    /// The alert a suppressed repeat joins: the newest with its key, when the repeat's time is
    /// within the window of that alert's first event (a burst's key names its alert for good).
    private static func openAlert(
        for suppression: AlertSuppression, at time: Date, on connection: SQLiteConnection
    ) throws -> Int64? {
        if case .burst(isNew: true) = suppression.scope { return nil }
        let select = try connection.prepare(
            "SELECT id, coalesce(first_seen, ts, created_at) FROM alerts WHERE suppress_key = ? ORDER BY id DESC LIMIT 1"
        )
        defer { select.reset() }
        try select.bind([.text(suppression.key)])
        guard try select.step() else { return nil }
        let id = select.int64(0)
        if case .window(let window) = suppression.scope {
            let first = date(select.int64(1))
            guard abs(time.timeIntervalSince(first)) <= window else { return nil }
        }
        return id
    }

    private static func grow(
        _ id: Int64, with alert: Alert, evidence: [Int64], absoluteCount: Bool, on connection: SQLiteConnection
    ) throws {
        let select = try connection.prepare(
            """
            SELECT count, coalesce(first_seen, ts, created_at), coalesce(last_seen, ts, created_at),
            coalesce(event_ids, json_array(event_id)) FROM alerts WHERE id = ?
            """)
        try select.bind([.int(id)])
        guard try select.step() else {
            select.reset()
            return
        }
        let count = absoluteCount ? Int64(alert.count) : select.int64(0) + Int64(alert.count)
        let first = min(select.int64(1), micros(alert.firstSeen))
        let last = max(select.int64(2), micros(alert.lastSeen))
        var ids = decodeIDs(select.text(3))
        select.reset()
        var seen = Set(ids)
        for event in evidence where seen.insert(event).inserted { ids.append(event) }
        try connection.prepare("UPDATE alerts SET count = ?, first_seen = ?, last_seen = ?, event_ids = ? WHERE id = ?")
            .run([.int(count), .int(first), .int(last), .text(idsText(sample(ids))), .int(id)])
        try link(id, to: evidence, on: connection)
    }

    private static func link(_ alert: Int64, to events: [Int64], on connection: SQLiteConnection) throws {
        let insert = try connection.prepare("INSERT OR IGNORE INTO alert_events(alert_id, event_id) VALUES(?,?)")
        for event in events { try insert.run([.int(alert), .int(event)]) }
    }

    /// The first and the latest ids, `evidenceSample` in all.
    static func sample(_ ids: [Int64]) -> [Int64] {
        guard ids.count > evidenceSample else { return ids }
        let half = evidenceSample / 2
        return Array(ids.prefix(half) + ids.suffix(evidenceSample - half))
    }

    static func idsText(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    static func decodeIDs(_ text: String) -> [Int64] {
        guard case .array(let items)? = try? JSONParser.parse(Data(text.utf8)) else { return [] }
        return items.compactMap {
            switch $0 {
            case .int(let value): return value
            case .double(let value): return Int64(exactly: value)
            default: return nil
            }
        }
    }
}
