import Foundation
import SIEMCore
import SIEMStore

/// Threat intelligence: what adding, importing and deleting IOCs does (feeds: `ThreatIntelFeeds`). Every change reloads the
/// snapshot the pipeline matches; an added IOC can be hunted for in the stored events of the last
/// hours, and the alerts that hunt raises go through the post-commit queue like any other.
public struct ThreatIntelService: Sendable {
    public let snapshot: IOCSnapshot
    public let events: any EventStore
    let postCommit: PostCommitQueue?
    /// Fetches imports given by URL, under the feed limits.
    let reader: FeedReader
    private let now: @Sendable () -> Date

    public var store: any IOCStore { snapshot.store }

    public init(
        snapshot: IOCSnapshot, events: any EventStore, postCommit: PostCommitQueue? = nil,
        reader: FeedReader = FeedReader(), now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.snapshot = snapshot
        self.events = events
        self.postCommit = postCommit
        self.reader = reader
        self.now = now
    }

    /// What a retro-hunt looked at and raised.
    public struct RetroHunt: Sendable {
        public var hours: Int
        public var eventsScanned: Int
        public var alerts: [EventWrite]
    }

    /// What adding one IOC did: the stored IOC as it is now, whether it was new, and the hunt.
    public struct Addition: Sendable {
        public var ioc: IOC
        public var created: Bool
        public var retroHunt: RetroHunt?
    }

    /// The most stored events one retro-hunt reads.
    public static let retroHuntEventLimit = 1_000_000

    /// Adds `ioc` (or updates the one with the same type and value), reloads the snapshot, and
    /// with `retroHuntHours` > 0 matches it against the events of those last hours.
    public func add(_ ioc: IOC, retroHuntHours: Int? = nil) async throws -> Addition {
        guard let stored = try await store.upsert([ioc]).first else {
            throw StoreError.notFound("the IOC was not stored")
        }
        try await snapshot.reload()
        var hunt: RetroHunt?
        if let hours = retroHuntHours, hours > 0 {
            let result = try await retroHunt(stored.ioc, hours: hours)
            postCommit?.enqueue(result.alerts)
            hunt = result
        }
        let current = try await store.ioc(id: stored.ioc.id!) ?? stored.ioc
        return Addition(ioc: current, created: stored.created, retroHunt: hunt)
    }

    /// What an import stored and could not read.
    public struct Import: Sendable {
        public var stored: [IOCUpsert]
        public var rejected: [IOCImport.Rejection]
        public var skipped: Int
    }

    /// Stores the IOCs parsed from a list, CSV, STIX bundle or MISP event and reloads the snapshot;
    /// what could not be read is in `rejected`. Nothing readable is an `InvalidInput` naming the
    /// first problem.
    public func importIOCs(
        _ text: String, defaults: IOCImport.Defaults, options: IOCImport.Options = IOCImport.Options()
    ) async throws -> Import {
        let parsed = IOCImport.parse(text, defaults: defaults, options: options, at: now())
        if parsed.iocs.isEmpty, let first = parsed.rejected.first {
            throw InvalidInput("nothing to import; \(first.location): \(first.reason)")
        }
        return try await save(parsed)
    }

    /// Fetches `url` once (any feed format, a MISP manifest's events and a TAXII collection's pages
    /// included) and stores its IOCs as `importIOCs` does. They are not refreshed: that is a feed.
    public func importIOCs(
        url: String, defaults: IOCImport.Defaults, options: FeedOptions
    ) async throws -> Import {
        try FeedURL.validate(url)
        let download: FeedReader.Download
        do {
            download = try await reader.read(url, options: options, defaults: defaults, at: now())
        } catch {
            throw InvalidInput("the feed could not be read: \(error)")
        }
        return try await save(download.result ?? IOCImport.Result())
    }

    private func save(_ parsed: IOCImport.Result) async throws -> Import {
        let stored = try await store.upsert(parsed.iocs)
        if !stored.isEmpty { try await snapshot.reload() }
        return Import(stored: stored, rejected: parsed.rejected, skipped: parsed.skipped)
    }

    public func iocs(_ query: IOCQuery) async throws -> Page<IOC> {
        try await store.iocs(query)
    }

    public func ioc(id: IOC.ID) async throws -> IOC {
        guard let ioc = try await store.ioc(id: id) else { throw ServiceError.notFound("no IOC with id \(id)") }
        return ioc
    }

    /// Removes the IOC and reloads the snapshot.
    public func delete(id: IOC.ID) async throws {
        guard try await store.deleteIOC(id: id) else { throw ServiceError.notFound("no IOC with id \(id)") }
        try await snapshot.reload()
    }

    /// Matches `ioc` against the events of the last `hours` and stores the alerts it would have
    /// raised (once per event and IOC, even when hunted again).
    public func retroHunt(_ ioc: IOC, hours: Int) async throws -> RetroHunt {
        let time = now()
        let set = IOCSet([ioc])
        var query = EventQuery(limit: 1000, since: time.addingTimeInterval(-Double(hours) * 3600))
        var scanned = 0
        var found: [(event: Event, alert: Alert)] = []
        while scanned < Self.retroHuntEventLimit {
            let page = try await events.events(query)
            for event in page.items {
                for var alert in set.alerts(for: event, at: time) {
                    alert.eventID = event.id
                    alert.details["retro_hunt"] = .bool(true)
                    found.append((event, alert))
                }
            }
            scanned += page.items.count
            guard let next = page.nextCursor.flatMap(Int64.init) else { break }
            query.cursor = next
        }
        let stored = try await store.insertRetroAlerts(found.map(\.alert))
        let eventsByID = Dictionary(found.map { ($0.event.id!, $0.event) }, uniquingKeysWith: { first, _ in first })
        let writes = stored.compactMap { alert in
            alert.eventID.flatMap { eventsByID[$0] }.map { EventWrite(event: $0, alerts: [alert]) }
        }
        return RetroHunt(hours: hours, eventsScanned: scanned, alerts: writes)
    }
}
