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

        var fieldText = ""
        for key in event.fields.keys.sorted() {
            event.fields[key]!.forEachScalar {
                if !fieldText.isEmpty { fieldText += " " }
                fieldText += $0
            }
        }
        self.fieldText = fieldText

        alertKeys = write.alerts.map { alert in
            var alert = alert
            alert.agentID = event.agentID
            return AlertKeys.tokens(for: alert)
        }
        alerts = write.alerts.map { alert in
            [
                .int(micros(alert.createdAt)), .text(alert.ruleID), .text(alert.title), .text(alert.severity.rawValue),
                .text(alert.description), .text(JSONValue.array(alert.tags.map { .string($0) }).jsonText),
                .text(JSONValue.jsonText(alert.details)), .text(event.host), event.agentID.map { .text($0) } ?? .null,
                .int(micros(alert.ts)), SQLiteEventStore.ruleValue(alert.rule),
            ]
        }
    }

    /// Inserts the rows (inside the caller's transaction); returns the write with its ids.
    func insert(into connection: SQLiteConnection) throws -> EventWrite {
        try connection.prepare(
            """
            INSERT INTO events(ts, received_at, source, host, agent_id, log_type, message, fields, normalized, ips)
            VALUES(?,?,?,?,?,?,?,?,?,?)
            """
        ).run(event)
        let id = connection.lastInsertRowID
        var stored = write
        stored.event.id = id

        try connection.prepare("INSERT INTO event_keys(rowid, k) VALUES(?,?)").run([.int(id), .text(keys)])
        try connection.prepare("INSERT INTO events_fts(rowid, message, fields) VALUES(?,?,?)")
            .run([.int(id), .text(stored.event.message), .text(fieldText)])

        if !alerts.isEmpty {
            let insertAlert = try connection.prepare(
                """
                INSERT INTO alerts(event_id, created_at, rule_id, title, severity, description, tags, details, host, agent_id, ts, rule)
                VALUES(?,?,?,?,?,?,?,?,?,?,?,?)
                """)
            for index in alerts.indices {
                try insertAlert.run([.int(id)] + alerts[index])
                stored.alerts[index].id = connection.lastInsertRowID
                stored.alerts[index].eventID = id
                stored.alerts[index].host = stored.event.host
                stored.alerts[index].agentID = stored.event.agentID
                try AlertKeys.insert(alertKeys[index], id: stored.alerts[index].id!, on: connection)
            }
            try recordIOCHits(stored.alerts, on: connection)
        }
        return stored
    }
}
