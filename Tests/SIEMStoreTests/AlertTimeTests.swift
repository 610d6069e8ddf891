import Foundation
import SIEMCore
import SIEMTestSupport
import Testing

@testable import SIEMStore

/// An alert's `ts` is its event's time; `created_at` is when it was raised.
@Suite struct AlertTimeTests {
    @Test func alertsKeepTheEventTimeBesideTheirCreationTime() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath)
        let event = SQLiteEventStoreTests.event("imported a day late", offset: -86_400)
        let raised = SQLiteEventStoreTests.base.addingTimeInterval(5)
        let alert = Alert(ts: event.ts, createdAt: raised, ruleID: "r", title: "r", severity: .high)
        let stored = try await store.insert([EventWrite(event: event, alerts: [alert])])
        let id = try #require(stored[0].alerts[0].id)
        let loaded = try #require(try await store.alert(id: id))
        #expect(loaded.ts == event.ts)
        #expect(loaded.createdAt == raised)
        #expect(try await store.alerts(AlertQuery()).items.first?.ts == event.ts)
        await store.close()
    }
}
