import Foundation
import SIEMCore

extension SQLiteEventStore {
    public func stats(since: Date) async throws -> Stats {
        let totals = totals.snapshot
        return try await readers.read { connection in
            let start = micros(since)
            func buckets(_ sql: String, hourly: Bool = false) throws -> [Bucket] {
                let statement = try connection.prepare(sql)
                try statement.bind([.int(start)])
                var result: [Bucket] = []
                while try statement.step() {
                    let key =
                        hourly
                        ? Timestamp.format(Date(timeIntervalSince1970: Double(statement.int64(0)) * 3600))
                        : statement.text(0)
                    result.append(Bucket(key: key, count: Int(statement.int64(1))))
                }
                return result
            }
            return Stats(
                since: since,
                eventsPerHour: try buckets(
                    "SELECT ts / 3600000000, count(*) FROM events WHERE ts >= ? GROUP BY 1 ORDER BY 1", hourly: true),
                alertsPerHour: try buckets(
                    "SELECT created_at / 3600000000, count(*) FROM alerts WHERE created_at >= ? GROUP BY 1 ORDER BY 1",
                    hourly: true),
                eventsBySource: try buckets(
                    "SELECT source, count(*) FROM events WHERE ts >= ? GROUP BY 1 ORDER BY 2 DESC LIMIT 20"),
                topHosts: try buckets(
                    "SELECT host, count(*) FROM events WHERE ts >= ? GROUP BY 1 ORDER BY 2 DESC LIMIT 10"),
                topRules: try buckets(
                    "SELECT rule_id, count(*) FROM alerts WHERE created_at >= ? GROUP BY 1 ORDER BY 2 DESC LIMIT 10"),
                alertsBySeverity: try buckets(
                    "SELECT severity, count(*) FROM alerts WHERE created_at >= ? GROUP BY 1 ORDER BY 2 DESC"),
                events: totals.events,
                alerts: totals.alerts
            )
        }
    }
}
