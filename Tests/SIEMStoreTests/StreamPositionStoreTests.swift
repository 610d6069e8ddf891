import Foundation
import SIEMCore
import SIEMTestSupport
import Testing

@testable import SIEMStore

/// Exactly-once storage of a shipper's lines: a line at or past its stream's committed offset is
/// stored, one below it was stored before and is dropped, in the same transaction.
@Suite struct StreamPositionStoreTests {
    static func line(_ number: Int, stream: String = "agent/1:2/0", scope: String = "agent-key") -> EventWrite {
        var event = SQLiteEventStoreTests.event("line \(number)")
        event.stream = StreamPosition(
            scope: scope, id: stream, start: Int64(number * 10), end: Int64(number * 10 + 10))
        return EventWrite(event: event, alerts: [SQLiteEventStoreTests.alert("r")])
    }

    static func messages(_ store: SQLiteEventStore) async throws -> [String] {
        try await store.events(EventQuery(limit: 1000)).items.map(\.message).sorted()
    }

    @Test func aResentBatchIsStoredOnceAndNewLinesAfterItAreStored() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath)
        let first = try await store.insert((0..<5).map { Self.line($0) })
        #expect(first.count == 5)
        // The answer was lost: the shipper sends lines 3…7 again.
        let second = try await store.insert((3..<8).map { Self.line($0) })
        #expect(second.map(\.event.message) == ["line 5", "line 6", "line 7"])
        #expect(second.allSatisfy { $0.alerts.count == 1 })
        #expect(try await Self.messages(store).count == 8)
        let counts = try await store.counts()
        #expect(counts.events == 8 && counts.alerts == 8)
        // Lines without a position are always stored.
        let plain = try await store.insert([EventWrite(event: SQLiteEventStoreTests.event("plain"), alerts: [])])
        #expect(plain.count == 1)
        await store.close()

        // The offset is durable: a reopened store still drops what it has.
        let reopened = try SQLiteEventStore(path: directory.databasePath)
        #expect(try await reopened.insert((0..<8).map { Self.line($0) }).isEmpty)
        #expect(try await reopened.insert([Self.line(8)]).count == 1)
        await reopened.close()
    }

    @Test func streamsAreKeptApartByIdAndByIdentity() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath)
        _ = try await store.insert((0..<3).map { Self.line($0) })
        // A new generation of the file (copytruncate) starts again at 0.
        #expect(try await store.insert((0..<3).map { Self.line($0, stream: "agent/1:2/1") }).count == 3)
        // Another identity sending the same stream id does not share its offset.
        #expect(try await store.insert((0..<3).map { Self.line($0, scope: "other") }).count == 3)
        // Mixed in one batch: only the new lines of each stream.
        let mixed = try await store.insert([
            Self.line(2), Self.line(3), Self.line(1, stream: "agent/1:2/1"), Self.line(3, stream: "agent/1:2/1"),
        ])
        #expect(mixed.map(\.event.message) == ["line 3", "line 3"])
        #expect(try await Self.messages(store).count == 11)
        await store.close()
    }
}
