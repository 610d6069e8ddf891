import Foundation
import SIEMCore
import SIEMTestSupport
import Testing

@testable import SIEMStore

/// How the store keeps the events behind an alert that stands for several.
@Suite struct AlertEvidenceTests {
    static func event(_ message: String) -> Event {
        let now = Date(timeIntervalSince1970: 1_773_446_400)
        return Event(ts: now, receivedAt: now, source: "test", host: "h", message: message)
    }

    /// A new burst alert whose evidence comes only with its suppression keeps that evidence as
    /// its `event_ids` sample, as read back, not only in what the insert returned.
    @Test func aBurstsEvidenceIsItsStoredSample() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath)
        let earlier = try await store.insert((0..<3).map { EventWrite(event: Self.event("e\($0)"), alerts: []) })
        let ids = earlier.compactMap(\.event.id)
        let now = Date(timeIntervalSince1970: 1_773_446_400)
        let alert = Alert(
            createdAt: now, ruleID: "burst", title: "Burst", severity: .high, kind: .threshold, count: 4,
            suppression: AlertSuppression(key: "burst|h", scope: .burst(isNew: true), evidence: ids))
        let stored = try await store.insert([EventWrite(event: Self.event("last"), alerts: [alert])])
        let id = try #require(stored.first?.alerts.first?.id)
        let read = try #require(try await store.alert(id: id))
        #expect(Set(read.eventIDs) == Set(ids + [stored[0].event.id!]))
        #expect(try await store.alertEvents(id: id, limit: 10, cursor: nil).items.count == 4)
        await store.close()
    }
}
