import Foundation
import SIEMCore

extension SQLiteEventStore {
    static let alertColumns =
        "a.id, a.event_id, a.created_at, a.rule_id, a.title, a.severity, a.description, a.tags, a.details, a.host, "
        + "a.agent_id, coalesce(a.ts, a.created_at), a.rule"

    public func alerts(_ query: AlertQuery) async throws -> Page<Alert> {
        try await readers.read { connection in
            let columns = "SELECT \(Self.alertColumns) FROM "
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
            return try select.page(limit: query.limit, on: connection, id: \.id, row: Self.alert(from:))
        }
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
            rule: alertRule(statement.optionalText(12))
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

    public func alert(id: Alert.ID) async throws -> Alert? {
        try await readers.read { connection in
            let statement = try connection.prepare("SELECT \(Self.alertColumns) FROM alerts a WHERE a.id = ?")
            try statement.bind([.int(id)])
            return try statement.step() ? Self.alert(from: statement) : nil
        }
    }
}
