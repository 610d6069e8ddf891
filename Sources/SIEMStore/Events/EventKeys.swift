import Foundation
import SIEMCore

/// The filter index: one row per event in the FTS5 table `event_keys` (rowid = event id) holding
/// one token per (key, value) the event can be filtered on: `host`, `source`, `agent_id`, `ip`
/// (every address of the event, including the values of `EventQuery.addressKeys`) and the
/// normalized keys in `EventQuery.indexedKeys`. A filter is a token lookup (`MATCH 'k… AND k…'`,
/// newest first by rowid) and the matching rows are then checked for the exact value.
///
/// Why not B-tree indexes: an index on (key, value, id) or (host, id) takes each event's entries to
/// random leaves, so a group commit of one-event ingests wrote a leaf page per address and per
/// host (~40 of ~70 pages per commit). FTS5 appends one segment per transaction and merges
/// segments later in bulk, so small commits stay small: 64 concurrent one-event writers went from
/// 21.5k to 30k events/s (`siem-bench concurrent`).
///
/// A token is `k` and the FNV-1a 64 hash of `key`, a zero byte and `value` in hex: one bareword
/// whatever the value holds, so the tokenizer never splits or folds it; a hash collision only adds
/// a candidate that the exact check drops.
enum EventKeys {
    static func token(_ key: String, _ value: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = hash &* 0x100_0000_01b3  // the zero byte between key and value
        for byte in value.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let digits = String(hash, radix: 16)
        return "k" + String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The space-separated tokens of `event`, each once.
    static func tokens(for event: Event) -> String {
        var seen: Set<String> = []
        var text = ""
        func add(_ key: String, _ value: String) {
            let token = token(key, value)
            guard seen.insert(token).inserted else { return }
            if !text.isEmpty { text += " " }
            text += token
        }
        add("host", event.host)
        add("source", event.source)
        if let agentID = event.agentID { add("agent_id", agentID) }
        for ip in event.ips { add("ip", ip) }
        for (key, value) in event.normalized {
            if EventQuery.addressKeys.contains(key) {
                value.forEachScalar { add("ip", $0) }
            } else if EventQuery.indexedKeys.contains(key) {
                value.forEachScalar { add(key, $0) }
            }
        }
        return text
    }

    /// Fills `event_keys` from the stored events (migration from the B-tree indexes).
    static func backfill(_ connection: SQLiteConnection) throws {
        let select = try connection.prepare("SELECT \(SQLiteEventStore.eventColumns) FROM events e")
        let insert = try connection.prepare("INSERT INTO event_keys(rowid, k) VALUES(?,?)")
        while try select.step() {
            let event = try SQLiteEventStore.event(from: select)
            try insert.run([.int(event.id!), .text(tokens(for: event))])
        }
        select.reset()
    }
}

/// The alert filter index: one row per alert in the FTS5 table `alert_keys` (rowid = alert id)
/// with the tokens of its `rule_id`, `severity` and `agent_id`, for the reasons and in the form
/// of `EventKeys` (a low-cardinality B-tree such as (rule_id, id) split a leaf in the middle of
/// the tree on most commits).
enum AlertKeys {
    static func tokens(
        ruleID: String?, severity: Severity?, agentID: String?, tag: String? = nil, ruleFormat: String? = nil
    ) -> [String] {
        var tokens: [String] = []
        if let ruleID { tokens.append(EventKeys.token("rule_id", ruleID)) }
        if let severity { tokens.append(EventKeys.token("severity", severity.rawValue)) }
        if let agentID { tokens.append(EventKeys.token("agent_id", agentID)) }
        if let tag { tokens.append(EventKeys.token("tag", tag.lowercased())) }
        if let ruleFormat { tokens.append(EventKeys.token("rule_format", ruleFormat)) }
        return tokens
    }

    static func tokens(for alert: Alert) -> String {
        var tokens = tokens(
            ruleID: alert.ruleID, severity: alert.severity, agentID: alert.agentID, ruleFormat: alert.rule.format)
        for tag in Set(alert.tags.map { $0.lowercased() }) { tokens.append(EventKeys.token("tag", tag)) }
        return tokens.joined(separator: " ")
    }

    /// Indexes the alert just inserted as `id` under `tokens` (from `tokens(for:)`).
    static func insert(_ tokens: String, id: Int64, on connection: SQLiteConnection) throws {
        try connection.prepare("INSERT INTO alert_keys(rowid, k) VALUES(?,?)").run([.int(id), .text(tokens)])
    }

    /// Rebuilds `alert_keys` from the stored alerts with their tags and rule format (migration 10).
    static func rebuild(_ connection: SQLiteConnection) throws {
        try connection.execute("INSERT INTO alert_keys(alert_keys) VALUES('delete-all')")
        let select = try connection.prepare("SELECT id, rule_id, severity, agent_id, tags, rule FROM alerts")
        while try select.step() {
            var alert = Alert(
                createdAt: Date(timeIntervalSince1970: 0), ruleID: select.text(1),
                title: "", severity: Severity(rawValue: select.text(2)) ?? .medium,
                tags: decodeStrings(select.text(4)), agentID: select.optionalText(3))
            alert.rule = SQLiteEventStore.alertRule(select.optionalText(5))
            try insert(tokens(for: alert), id: select.int64(0), on: connection)
        }
        select.reset()
    }

    /// Fills `alert_keys` from the stored alerts (migration from the B-tree indexes).
    static func backfill(_ connection: SQLiteConnection) throws {
        // Only the columns of migration 6's schema (later migrations add columns).
        let select = try connection.prepare("SELECT id, rule_id, severity, agent_id FROM alerts")
        while try select.step() {
            let tokens = tokens(
                ruleID: select.text(1), severity: Severity(rawValue: select.text(2)), agentID: select.optionalText(3))
            try insert(tokens.joined(separator: " "), id: select.int64(0), on: connection)
        }
        select.reset()
    }
}
