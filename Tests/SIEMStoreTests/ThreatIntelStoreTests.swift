import Foundation
import SIEMCore
import SIEMTestSupport
import Testing

@testable import SIEMStore

@Suite struct ThreatIntelStoreTests {
    static let base = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func singleRowReadsDoNotPinTheReaderSnapshot() async throws {
        let directory = try TemporaryDirectory()
        // One reader: every read uses the same connection, so a statement left open would hide later writes.
        let stores = try Stores.sqlite(path: directory.databasePath, readers: 1)
        let first = try await stores.iocs.upsert([IOC(type: .ip, value: "10.0.0.5", createdAt: Self.base)])
        #expect(try await stores.iocs.ioc(id: first[0].ioc.id!)?.value == "10.0.0.5")
        let stored = try await stores.events.insert([
            EventWrite(
                event: Event(ts: Self.base, receivedAt: Self.base, source: "api", host: "h", message: "m"),
                alerts: [Alert(createdAt: Self.base, ruleID: "r", title: "t", severity: .low)])
        ])
        #expect(try await stores.events.alert(id: stored[0].alerts[0].id!) != nil)
        try await stores.events.ping()
        _ = try await stores.iocs.upsert([IOC(type: .domain, value: "evil.example", createdAt: Self.base)])
        #expect(try await stores.iocs.activeIOCs(at: Self.base).count == 2)
        #expect(try await stores.events.alerts(AlertQuery()).items.count == 1)
        await stores.close()
    }

    @Test func upsertUpdatesAndHitsAreCountedWithTheEvent() async throws {
        let directory = try TemporaryDirectory()
        let stores = try Stores.sqlite(path: directory.databasePath)
        let added = try await stores.iocs.upsert([
            IOC(type: .ip, value: "10.0.0.5", source: "a", note: "one", createdAt: Self.base),
            IOC(type: .ip, value: "10.0.0.6", createdAt: Self.base, expiresAt: Self.base),
        ])
        #expect(added.map(\.created) == [true, true])
        let again = try await stores.iocs.upsert([
            IOC(type: .ip, value: "10.0.0.5", source: "b", note: "two", createdAt: Self.base.addingTimeInterval(5))
        ])
        #expect(again[0].created == false)
        #expect(again[0].ioc.id == added[0].ioc.id)
        #expect(again[0].ioc.note == "two")
        #expect(again[0].ioc.createdAt == Self.base)
        #expect(try await stores.iocs.activeIOCs(at: Self.base).map(\.value) == ["10.0.0.5"])

        var event = Event(ts: Self.base, receivedAt: Self.base, source: "edr", host: "h", message: "from 10.0.0.5")
        event.ips = event.extractedIPs()
        let alerts = IOCSet([again[0].ioc]).alerts(for: event, at: Self.base.addingTimeInterval(9))
        _ = try await stores.events.insert([EventWrite(event: event, alerts: alerts)])
        let hit = try #require(try await stores.iocs.ioc(id: added[0].ioc.id!))
        #expect(hit.hitCount == 1)
        #expect(hit.lastHitAt == Self.base.addingTimeInterval(9))
        #expect(try await stores.iocs.iocs(IOCQuery(source: "b")).items.count == 1)
        #expect(try await stores.iocs.deleteIOC(id: added[0].ioc.id!))
        #expect(try await stores.iocs.deleteIOC(id: added[0].ioc.id!) == false)
        await stores.close()
    }
}
