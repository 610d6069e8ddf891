import Foundation
import SIEMCore
import SIEMStore
import SIEMTestSupport
import Testing

/// Near-real-time indexing (`IndexMode.background`): rows are committed first, the search indexes
/// follow; `waitForIndex` waits for them, and a reopened store indexes what was left.
@Suite struct BackgroundIndexTests {
    func events(_ count: Int, tag: String) -> [EventWrite] {
        let now = Date()
        return (0..<count).map { index in
            EventWrite(
                event: Event(
                    ts: now, receivedAt: now, source: "file", host: "web\(index % 3)",
                    message: "login failed \(tag) from 10.0.0.\(index % 250)"),
                alerts: [])
        }
    }

    @Test func searchesSeeEventsOnceIndexedAndWaitForIndexWaits() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath, indexMode: .background(lag: .seconds(60)))
        let stored = try await store.insert(events(50, tag: "alpha"))
        #expect(stored.count == 50)
        // Committed and readable by id at once, not searchable until the indexer runs.
        #expect(try await store.event(id: stored[0].event.id!) != nil)
        #expect(try await store.events(EventQuery(text: "alpha", limit: 100)).items.isEmpty)
        #expect(await store.indexStatus().pending == 50)
        #expect(await store.waitForIndex(timeout: .seconds(10)))
        #expect(try await store.events(EventQuery(text: "alpha", limit: 100)).items.count == 50)
        #expect(try await store.events(EventQuery(limit: 100, host: "web1")).items.count == 17)
        let status = await store.indexStatus()
        #expect(status.pending == 0)
        #expect(status.indexedEvents == 50)
        await store.close()
    }

    @Test func aReopenedStoreIndexesWhatWasLeftAndNothingTwice() async throws {
        let directory = try TemporaryDirectory()
        // A store whose writer stops before its indexer ran stands for a crash after the commits.
        let first = try SQLiteDatabase(path: directory.databasePath)
        let crashed = SQLiteEventStore(database: first, indexMode: .background(lag: .seconds(60)))
        _ = try await crashed.insert(events(30, tag: "bravo"))
        first.close()
        let reopened = try SQLiteEventStore(path: directory.databasePath, indexMode: .background(lag: .seconds(60)))
        #expect(await reopened.indexStatus().pending == 30)
        #expect(await reopened.waitForIndex(timeout: .seconds(10)))
        _ = try await reopened.insert(events(5, tag: "bravo"))
        #expect(await reopened.waitForIndex(timeout: .seconds(10)))
        #expect(try await reopened.events(EventQuery(text: "bravo", limit: 100)).items.count == 35)
        await reopened.close()
        // Inline after background: the store indexes the tail with its first insert.
        let inline = try SQLiteEventStore(path: directory.databasePath)
        _ = try await inline.insert(events(2, tag: "bravo"))
        #expect(try await inline.events(EventQuery(text: "bravo", limit: 100)).items.count == 37)
        await inline.close()
    }
}
