import Foundation
import SIEMCore
import SIEMTestSupport
import Testing

@testable import SIEMStore

/// Which IOCs a feed's refresh may change or remove: its own, never a person's or another feed's.
@Suite struct FeedStoreTests {
    static let base = Date(timeIntervalSince1970: 1_800_000_000)

    func feed(_ url: String, name: String) -> TIFeed {
        TIFeed(url: url, options: FeedOptions(name: name), origin: .api, createdBy: "alice", createdAt: Self.base)
    }

    func ioc(_ value: String, source: String, note: String = "") -> IOC {
        IOC(type: .ip, value: value, source: source, note: note, createdAt: Self.base)
    }

    @Test func feedsAreUniqueByURLAndReadingOptionsAndKeepTheirState() async throws {
        let directory = try TemporaryDirectory()
        let stores = try Stores.sqlite(path: directory.databasePath)
        let first = try #require(try await stores.iocs.addFeed(feed("https://a.example/list", name: "A")))
        #expect(try await stores.iocs.addFeed(feed("https://a.example/list", name: "other name")) == nil)
        var byColumn = feed("https://a.example/list", name: "A2")
        byColumn.options.column = .index(2)
        #expect(try await stores.iocs.addFeed(byColumn) != nil)
        let state = FeedState(
            etag: "\"v1\"", lastModified: "Tue, 01 Dec 2026 00:00:00 GMT", lastAttemptAt: Self.base,
            lastSuccessAt: Self.base, lastError: "the server answered HTTP 500", iocCount: 3,
            lastResult: FeedResult(added: 3, rejected: 1))
        try await stores.iocs.updateFeedState(id: first.id!, state)
        let stored = try #require(try await stores.iocs.feed(id: first.id!))
        #expect(stored.state == state)
        #expect(stored.source == "A")
        #expect(try await stores.iocs.feeds().count == 2)
        await stores.close()
    }

    @Test func droppedIOCsAreDeletedOrExpiredAndOthersAreLeftAlone() async throws {
        let directory = try TemporaryDirectory()
        let stores = try Stores.sqlite(path: directory.databasePath)
        let iocs = stores.iocs
        // A person's IOC, listed later by the feed too.
        _ = try await iocs.upsert([ioc("10.0.0.1", source: "manual", note: "mine")])
        let a = try #require(try await iocs.addFeed(feed("https://a.example/list", name: "A"))).id!
        let b = try #require(try await iocs.addFeed(feed("https://b.example/list", name: "B"))).id!
        let listA = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"].map { ioc($0, source: "A", note: "a") }
        var sync = try await iocs.syncFeed(id: a, iocs: listA, withdrawn: [], replace: true, at: Self.base)
        #expect(sync.added == 3 && sync.updated == 0 && sync.listed == 4)
        #expect(try await iocs.iocs(IOCQuery(value: "10.0.0.1")).items.first?.note == "mine")
        // B lists 10.0.0.4 as well; A owns it.
        sync = try await iocs.syncFeed(
            id: b, iocs: [ioc("10.0.0.4", source: "B")], withdrawn: [], replace: true, at: Self.base)
        #expect(sync.added == 0 && sync.updated == 0)
        // 10.0.0.3 had a hit: it expires rather than vanishing.
        let three = try #require(try await iocs.iocs(IOCQuery(value: "10.0.0.3")).items.first)
        var event = Event(ts: Self.base, receivedAt: Self.base, source: "api", host: "h", message: "from 10.0.0.3")
        event.ips = event.extractedIPs()
        _ = try await stores.events.insert([
            EventWrite(event: event, alerts: IOCSet([three]).alerts(for: event, at: Self.base))
        ])
        // A now lists only 10.0.0.2, with a new note.
        let later = Self.base.addingTimeInterval(60)
        sync = try await iocs.syncFeed(
            id: a, iocs: [ioc("10.0.0.2", source: "A", note: "changed")], withdrawn: [], replace: true, at: later)
        #expect(sync.updated == 1 && sync.removed == 0 && sync.expired == 1 && sync.listed == 1)
        let active = Set(try await iocs.activeIOCs(at: later).map(\.value))
        #expect(active == ["10.0.0.1", "10.0.0.2", "10.0.0.4"])
        #expect(try await iocs.iocs(IOCQuery(value: "10.0.0.1")).items.first?.source == "manual")
        #expect(try await iocs.iocs(IOCQuery(value: "10.0.0.4")).items.first?.source == "B")
        #expect(try await iocs.iocs(IOCQuery(value: "10.0.0.3")).items.first?.hitCount == 1)
        // Listed again, the expired IOC comes back under the feed.
        sync = try await iocs.syncFeed(
            id: a, iocs: [ioc("10.0.0.3", source: "A")], withdrawn: [], replace: false, at: later)
        #expect(sync.updated == 1)
        #expect(Set(try await iocs.activeIOCs(at: later).map(\.value)).contains("10.0.0.3"))
        // Incremental: a withdrawn value goes, the rest stays.
        sync = try await iocs.syncFeed(
            id: a, iocs: [], withdrawn: [IOCKey(type: .ip, value: "10.0.0.2")], replace: false, at: later)
        #expect(sync.removed == 1 && sync.listed == 1)
        // A person edits B's IOC: B no longer owns it, and deleting B leaves it.
        _ = try await iocs.upsert([ioc("10.0.0.4", source: "manual", note: "keep")])
        let deleted = try #require(try await iocs.deleteFeed(id: b, at: later))
        #expect(deleted.removed == 0 && deleted.expired == 0)
        #expect(try await iocs.iocs(IOCQuery(value: "10.0.0.4")).items.first?.note == "keep")
        #expect(try await iocs.feed(id: b) == nil)
        #expect(try await iocs.deleteFeed(id: b, at: later) == nil)
        await stores.close()
    }
}
