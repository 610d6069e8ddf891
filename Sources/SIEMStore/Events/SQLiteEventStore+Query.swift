import Foundation
import SIEMCore

extension SQLiteEventStore {
    /// An event query, driven by the FTS index, the key index or the events table (in that order
    /// of preference), always newest first by id; `columns` are selected (an aggregate takes its
    /// `unordered` statement).
    static func eventsQuery(_ query: EventQuery, columns: String = SQLiteEventStore.eventColumns) -> PagedQuery {
        // Tokens to look up in `event_keys`; every filter is also checked exactly on the row.
        var keys: [String] = []
        var checks: [EventQuery.Term] = []
        var rowChecks: [(String, [SQLValue])] = []
        if let ip = query.ip {
            keys.append(EventKeys.token("ip", ip))
            rowChecks.append(Self.hasAddress(ip))
        }
        for term in query.terms {
            if EventQuery.addressKeys.contains(term.key) {
                keys.append(EventKeys.token("ip", term.value))
            } else if EventQuery.indexedKeys.contains(term.key) {
                keys.append(EventKeys.token(term.key, term.value))
            }
            checks.append(term)
        }
        if let agentID = query.agentID {
            keys.append(EventKeys.token("agent_id", agentID))
            rowChecks.append(("e.agent_id = ?", [.text(agentID)]))
        }
        if let source = query.source {
            keys.append(EventKeys.token("source", source))
            rowChecks.append(("e.source = ?", [.text(source)]))
        }
        if let host = query.host {
            keys.append(EventKeys.token("host", host))
            rowChecks.append(("e.host = ?", [.text(host)]))
        }
        var select: PagedQuery
        if let text = query.text, !text.trimmingCharacters(in: .whitespaces).isEmpty {
            // The other filters are checked on the rows the text finds (an FTS lookup per row in
            // `event_keys` would cost ten times more).
            select = PagedQuery(
                "SELECT \(columns) FROM events_fts JOIN events e ON e.id = events_fts.rowid", id: "events_fts.rowid")
            select.filter("events_fts MATCH ?", [.text(FTSQuery.prepare(text))])
        } else if !keys.isEmpty {
            select = PagedQuery("SELECT \(columns) FROM event_keys k JOIN events e ON e.id = k.rowid", id: "k.rowid")
            select.filter("event_keys MATCH ?", [.text(keys.joined(separator: " AND "))])
        } else {
            select = PagedQuery("SELECT \(columns) FROM events e", id: "e.id")
        }
        for (condition, values) in rowChecks { select.filter(condition, values) }
        select.before(query.cursor)
        if let ruleID = query.ruleID {
            select.filter(
                "(EXISTS (SELECT 1 FROM alerts r WHERE r.event_id = e.id AND r.rule_id = ?) OR EXISTS (SELECT 1 FROM "
                    + "alert_events ae JOIN alerts r ON r.id = ae.alert_id WHERE ae.event_id = e.id AND r.rule_id = ?))",
                [.text(ruleID), .text(ruleID)])
        }
        // The exact value, among the key's scalars (an array or object holds several).
        for term in checks {
            select.filter(
                "EXISTS (SELECT 1 FROM json_tree(e.normalized, ?) j WHERE j.atom IS NOT NULL AND CAST(j.atom AS TEXT) = ?)",
                [.text("$.\"" + term.key.replacingOccurrences(of: "\"", with: "") + "\""), .text(term.value)])
        }
        for term in query.excluded {
            switch term.key {
            case "host": select.filter("e.host <> ?", [.text(term.value)])
            case "source": select.filter("e.source <> ?", [.text(term.value)])
            default:
                select.filter(
                    "NOT EXISTS (SELECT 1 FROM json_tree(e.normalized, ?) j WHERE j.atom IS NOT NULL AND CAST(j.atom AS TEXT) = ?)",
                    [.text("$.\"" + term.key.replacingOccurrences(of: "\"", with: "") + "\""), .text(term.value)])
            }
        }
        if let since = query.since { select.filter("e.ts >= ?", [.int(micros(since))]) }
        if let until = query.until { select.filter("e.ts < ?", [.int(micros(until))]) }
        return select
    }

    /// The SQL and arguments of an event query, newest first (`limit + 1` rows).
    static func eventsStatement(_ query: EventQuery) -> (String, [SQLValue]) {
        eventsQuery(query).statement(limit: query.limit + 1)
    }

    /// The exact check behind an `ip` token: the event `e` has the address among its `ips`, or as
    /// a normalized value the extractor did not take (`fe80::1%eth0`).
    static func hasAddress(_ ip: String) -> (String, [SQLValue]) {
        var quoted = ""
        JSONValue.writeString(ip, to: &quoted)
        return ("(instr(e.ips, ?) > 0 OR instr(e.normalized, ?) > 0)", [.text(quoted), .text(quoted)])
    }
}
