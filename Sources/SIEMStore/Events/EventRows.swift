import SIEMCore

/// An event write encoded into the values of its rows: the event, its filter terms, its full-text
/// entry and its alerts. Built on the caller's task so that the writer thread only binds and steps.
struct EventRows: Sendable {
    let write: EventWrite
    /// `events` columns from `ts` on (the id is assigned by the insert).
    let event: [SQLValue]
    /// The `event_keys` tokens.
    let keys: String
    /// The `fields` column of `events_fts`: every scalar of `fields`, in key order.
    let fieldText: String
    /// `alerts` columns from `created_at` on, one array per alert.
    let alerts: [[SQLValue]]
    /// The `alert_keys` tokens of each alert (which takes the event's host and agent).
    let alertKeys: [String]

    init(_ write: EventWrite) {
        self.write = write
        let event = write.event
        var ipsText = "["
        for (index, ip) in event.ips.enumerated() {
            if index > 0 { ipsText += "," }
            JSONValue.writeString(ip, to: &ipsText)
        }
        ipsText += "]"
        self.event = [
            .int(micros(event.ts)), .int(micros(event.receivedAt)), .text(event.source), .text(event.host),
            event.agentID.map { .text($0) } ?? .null, event.logType.map { .text($0) } ?? .null,
            .text(event.message), .text(JSONValue.jsonText(event.fields)),
            .text(JSONValue.jsonText(event.normalized)), .text(ipsText),
        ]

        keys = EventKeys.tokens(for: event)

        fieldText = Self.fieldText(of: event.fields)

        alertKeys = write.alerts.map { alert in
            var alert = alert
            alert.agentID = event.agentID
            return AlertKeys.tokens(for: alert)
        }
        alerts = write.alerts.map { SQLiteEventStore.alertValues($0, host: event.host, agentID: event.agentID) }
    }

    /// The `fields` column of `events_fts` for `fields`.
    static func fieldText(of fields: [String: JSONValue]) -> String {
        var fieldText = ""
        for key in fields.keys.sorted() {
            fields[key]!.forEachScalar {
                if !fieldText.isEmpty { fieldText += " " }
                fieldText += $0
            }
        }
        return fieldText
    }

    /// What the search indexes get for the event.
    var indexEntry: IndexEntry { IndexEntry(message: write.event.message, fieldText: fieldText, keys: keys) }

    /// Inserts the rows (inside the caller's transaction), with the event's search-index entry when
    /// `index` (inline indexing); returns the write with its ids.
    func insert(into connection: SQLiteConnection, index: Bool) throws -> EventWrite {
        try connection.prepare(
            """
            INSERT INTO events(ts, received_at, source, host, agent_id, log_type, message, fields, normalized, ips)
            VALUES(?,?,?,?,?,?,?,?,?,?)
            """
        ).run(event)
        let id = connection.lastInsertRowID
        var stored = write
        stored.event.id = id

        if index { try indexEntry.insert(id: id, on: connection) }

        if !alerts.isEmpty {
            var raised: [Alert] = []
            for index in alerts.indices {
                if let alert = try SQLiteEventStore.write(
                    write.alerts[index], values: alerts[index], keys: alertKeys[index], eventID: id,
                    host: stored.event.host, agentID: stored.event.agentID, on: connection)
                {
                    raised.append(alert)
                }
            }
            // A repeat folded into an open alert is not a new alert (no webhook, no incident).
            stored.alerts = raised
            try recordIOCHits(write.alerts, on: connection)
        }
        return stored
    }
}
