import Foundation
import SIEMCore

extension SQLiteEventStore {
    static let alertColumns =
        "a.id, a.event_id, a.created_at, a.rule_id, a.title, a.severity, a.description, a.tags, a.details, a.host, "
        + "a.agent_id, coalesce(a.ts, a.created_at)"

    public func alerts(_ query: AlertQuery) async throws -> Page<Alert> {
        try await readers.read { connection in
            let columns = "SELECT \(Self.alertColumns) FROM "
            let keys = AlertKeys.tokens(ruleID: query.ruleID, severity: query.severity, agentID: query.agentID)
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
            agentID: statement.optionalText(10)
        )
    }

    public func alert(id: Alert.ID) async throws -> Alert? {
        try await readers.read { connection in
            let statement = try connection.prepare("SELECT \(Self.alertColumns) FROM alerts a WHERE a.id = ?")
            try statement.bind([.int(id)])
            return try statement.step() ? Self.alert(from: statement) : nil
        }
    }
}
