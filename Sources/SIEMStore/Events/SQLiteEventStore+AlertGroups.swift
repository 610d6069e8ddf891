import Foundation
import SIEMCore

/// Alerts summed for triage: per rule or per rule and group values, with a sparkline, and the tag
/// sets behind the ATT&CK matrix. Both run with the filters of `alerts(_:)` over a window of
/// `created_at` (when siemd raised the alert, indexed; a replay of old logs is seen as it arrives).
extension SQLiteEventStore {
    public func alertGroups(_ query: AlertGroupQuery) async throws -> [AlertGroup] {
        let since = query.filter.since ?? query.until.addingTimeInterval(-86_400)
        let start = micros(since)
        let width = max(Int64((query.bucket * 1_000_000).rounded()), 1)
        let buckets = max(1, Int((micros(query.until) - start + width - 1) / width))
        let key = query.by == .group ? "lower(coalesce(a.grp, '{}'))" : "''"
        let (summed, summedArguments) = Self.window(
            query.filter, since: since, until: query.until,
            columns: """
                a.rule_id AS rule_id, \(key) AS gkey, max(a.id) AS latest, count(*) AS alerts, sum(a.count) AS events,
                min(coalesce(a.first_seen, a.ts, a.created_at)) AS first,
                max(coalesce(a.last_seen, a.ts, a.created_at)) AS last, sum(a.status = 'open') AS n_open,
                sum(a.status = 'acknowledged') AS n_acknowledged, sum(a.status = 'closed') AS n_closed,
                sum(a.status = 'false_positive') AS n_false_positive
                """
        ).unordered
        let rows = """
            SELECT g.rule_id, g.gkey, l.title, l.severity, l.kind, l.grp, g.alerts, g.events, g.first, g.last,
            g.latest, g.n_open, g.n_acknowledged, g.n_closed, g.n_false_positive
            FROM (\(summed) GROUP BY a.rule_id, gkey) g JOIN alerts l ON l.id = g.latest
            ORDER BY g.last DESC, g.latest DESC LIMIT ?
            """
        let (perBucket, bucketArguments) = Self.window(
            query.filter, since: since, until: query.until,
            columns: "a.rule_id, \(key), (a.created_at - ?) / ?, count(*)"
        ).unordered

        return try await readers.read { connection in
            var groups: [AlertGroup] = []
            var index: [String: Int] = [:]
            let select = try connection.prepare(rows)
            try select.bind(summedArguments + [.int(Int64(max(query.limit, 0)))])
            while try select.step() {
                index[select.text(0) + "\u{0}" + select.text(1)] = groups.count
                groups.append(
                    AlertGroup(
                        ruleID: select.text(0), title: select.text(2),
                        severity: Severity(rawValue: select.text(3)) ?? .medium,
                        kind: select.optionalText(4).flatMap(AlertKind.init(rawValue:)) ?? .event,
                        group: query.by == .group ? select.optionalText(5).map(decodeObject) ?? [:] : [:],
                        alerts: Int(select.int64(6)), events: Int(select.int64(7)), firstSeen: date(select.int64(8)),
                        lastSeen: date(select.int64(9)),
                        statuses: [
                            .open: Int(select.int64(11)), .acknowledged: Int(select.int64(12)),
                            .closed: Int(select.int64(13)), .falsePositive: Int(select.int64(14)),
                        ],
                        sparkline: Array(repeating: 0, count: buckets), latestAlertID: select.int64(10)))
            }
            guard !groups.isEmpty else { return [] }
            let counts = try connection.prepare(perBucket + " GROUP BY 1, 2, 3")
            try counts.bind([.int(start), .int(width)] + bucketArguments)
            while try counts.step() {
                guard let row = index[counts.text(0) + "\u{0}" + counts.text(1)] else { continue }
                let bucket = min(max(Int(counts.int64(2)), 0), buckets - 1)
                groups[row].sparkline[bucket] += Int(counts.int64(3))
            }
            return groups
        }
    }

    public func alertTagSets(_ query: AlertQuery, until: Date) async throws -> [AlertTagSet] {
        let (sql, arguments) = Self.window(
            query, since: query.since ?? until.addingTimeInterval(-86_400), until: until,
            columns: "lower(a.tags), count(*)"
        ).unordered
        return try await readers.read { connection in
            let select = try connection.prepare(sql + " GROUP BY 1")
            try select.bind(arguments)
            var sets: [AlertTagSet] = []
            while try select.step() {
                sets.append(AlertTagSet(tags: decodeStrings(select.text(0)), alerts: Int(select.int64(1))))
            }
            return sets
        }
    }

    /// The alerts `query` selects among those raised from `since` to `until` (both inclusive),
    /// whatever its cursor.
    private static func window(_ query: AlertQuery, since: Date, until: Date, columns: String) -> PagedQuery {
        var bounded = query
        bounded.since = since
        bounded.cursor = nil
        var select = alertsQuery(bounded, columns: columns)
        select.filter("a.created_at <= ?", [.int(micros(until))])
        return select
    }
}
