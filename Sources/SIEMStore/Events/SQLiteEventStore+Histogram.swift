import Foundation
import SIEMCore

extension SQLiteEventStore {
    /// Groups the matching events by `ts` in SQL with the same filters as `events(_:)`.
    public func histogram(_ query: EventQuery, buckets: Int) async throws -> Histogram {
        let until = query.until ?? Date()
        let since = query.since ?? until.addingTimeInterval(-86_400)
        let count = max(1, buckets)
        let start = micros(since)
        let span = max(micros(until) - start, 1)
        let width = max((span + Int64(count) - 1) / Int64(count), 1)
        var bounded = query
        bounded.since = since
        bounded.until = until
        let (inner, innerArguments) = Self.eventsQuery(bounded, columns: "e.ts AS ts").unordered
        let sql = "SELECT (ts - ?) / ? AS bucket, count(*) FROM (\(inner)) GROUP BY bucket"
        let arguments: [SQLValue] = [.int(start), .int(width)] + innerArguments
        let counts = try await readers.read { connection in
            let statement = try connection.prepare(sql)
            try statement.bind(arguments)
            var counts = Array(repeating: 0, count: count)
            do {
                while try statement.step() {
                    let index = Int(statement.int64(0))
                    if counts.indices.contains(index) { counts[index] += Int(statement.int64(1)) }
                }
            } catch let error as StoreError {
                if case .sqlite(_, let message) = error, query.text != nil,
                    message.contains("fts5") || message.contains("syntax error") || message.contains("unterminated")
                {
                    throw StoreError.invalidQuery(message)
                }
                throw error
            }
            return counts
        }
        return Histogram(since: since, until: until, interval: Double(width) / 1_000_000, counts: counts)
    }
}
