import Foundation
import SIEMCore
import SIEMStore

/// The IOC snapshot the pipeline matches against, reloaded from the store when IOCs change.
///
/// `@unchecked Sendable`: `current`, `requested` and `loaded` are guarded by `lock`; the snapshot
/// itself is an immutable value, so readers hold it without the lock.
public final class ThreatIntel: @unchecked Sendable {
    public let store: any IOCStore
    private let now: @Sendable () -> Date
    private let lock = NSLock()
    private var current: IOCSet?
    /// Generation of the newest reload started, and of the snapshot in `current`.
    private var requested = 0
    private var loaded = 0

    public init(store: any IOCStore, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.now = now
    }

    /// The current snapshot; loads it from the store on first use.
    public func snapshot() async throws -> IOCSet {
        if let current = lock.withLock({ current }) { return current }
        return try await reload()
    }

    /// Rebuilds the snapshot from the store. A reload that finishes after a newer one is discarded.
    @discardableResult
    public func reload() async throws -> IOCSet {
        let generation = lock.withLock {
            requested += 1
            return requested
        }
        let set = IOCSet(try await store.activeIOCs(at: now()))
        return lock.withLock {
            if generation > loaded {
                current = set
                loaded = generation
                return set
            }
            return current ?? set
        }
    }

    /// What a retro-hunt looked at and raised.
    public struct RetroHunt: Sendable {
        public var hours: Int
        public var eventsScanned: Int
        public var alerts: [EventWrite]
    }

    /// The most stored events one retro-hunt reads.
    public static let retroHuntEventLimit = 1_000_000

    /// Matches `ioc` against the events of the last `hours` and stores the alerts it would have
    /// raised (once per event and IOC, even when hunted again).
    public func retroHunt(_ ioc: IOC, hours: Int, events: any EventStore) async throws -> RetroHunt {
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
