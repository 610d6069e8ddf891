import Foundation
import Logging
import SIEMCore
import SIEMStore
import ServiceLifecycle

/// The threat-intel feeds: those of `SIEM_TI_FEEDS` and those added through the API, fetched at
/// start and refreshed on their interval. A refresh that fails keeps the feed's IOCs and records
/// the problem; one that succeeds makes the feed's IOCs what it lists now (see
/// `IOCStore.syncFeed`). Changes the scheduler makes are audited as `siemd:ti-feeds`, those
/// `SIEM_TI_FEEDS` makes as `siemd:config`; the audit middleware records API calls.
public final class ThreatIntelFeeds: Service, Sendable {
    public struct Configuration: Sendable {
        /// `SIEM_TI_FEEDS`.
        public var feeds: [FeedSpec] = []
        /// `SIEM_TI_REFRESH_INTERVAL`, seconds; a feed's `interval` overrides it.
        public var defaultInterval = 3600
        public var fetch = FeedFetcher.Configuration()

        public init() {}
    }

    /// The actor of scheduled refreshes.
    public static let schedulerActor = "siemd:ti-feeds"
    /// The actor of changes `SIEM_TI_FEEDS` makes.
    public static let configurationActor = "siemd:config"

    public let configuration: Configuration
    let store: any IOCStore
    let snapshot: IOCSnapshot
    let audit: any AuditStore
    let reader: FeedReader
    let logger: Logger
    let now: @Sendable () -> Date
    private let gate = RefreshGate()

    public init(
        configuration: Configuration, snapshot: IOCSnapshot, audit: any AuditStore, logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.configuration = configuration
        self.store = snapshot.store
        self.snapshot = snapshot
        self.audit = audit
        self.reader = FeedReader(fetcher: FeedFetcher(configuration: configuration.fetch))
        self.logger = logger
        self.now = now
    }

    /// Applies `SIEM_TI_FEEDS`, refreshes every feed, then each when it is due.
    public func run() async throws {
        do {
            try await applyConfiguration()
        } catch {
            logger.error("threat-intel feeds from SIEM_TI_FEEDS not applied", metadata: ["error": "\(error)"])
        }
        var first = true
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let feeds: [TIFeed]
            do {
                feeds = try await store.feeds()
            } catch {
                logger.error("threat-intel feeds not read", metadata: ["error": "\(error)"])
                feeds = []
            }
            for feed in feeds where first || isDue(feed) {
                guard !Task.isShuttingDownGracefully, !Task.isCancelled else { break }
                // A shutdown cancels a refresh in flight (it is recorded as failed; the IOCs stay).
                _ = await cancelWhenGracefulShutdown { await self.refresh(feed, audited: true) }
            }
            first = false
            let current = (try? await store.feeds()) ?? feeds
            let wait = max(1, min(30, secondsUntilDue(current)))
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(wait)) }
        }
    }

    func isDue(_ feed: TIFeed) -> Bool {
        guard let next = feed.nextRefresh(default: configuration.defaultInterval) else { return true }
        return next <= now()
    }

    /// Seconds until the next feed is due (0 for one never fetched; 30 without feeds).
    func secondsUntilDue(_ feeds: [TIFeed]) -> Double {
        let time = now()
        return feeds.map { $0.nextRefresh(default: configuration.defaultInterval)?.timeIntervalSince(time) ?? 0 }
            .min() ?? 30
    }

    // MARK: What the API does

    public func feeds() async throws -> [TIFeed] { try await store.feeds() }

    public func feed(id: TIFeed.ID) async throws -> TIFeed {
        guard let feed = try await store.feed(id: id) else { throw ServiceError.notFound("no feed with id \(id)") }
        return feed
    }

    /// Adds a feed for `actor` and fetches it once; a feed with the same URL and reading options
    /// is a conflict. The feed is kept when the first fetch fails (`last_error` says why).
    public func add(_ spec: FeedSpec, actor: String) async throws -> TIFeed {
        let feed = TIFeed(url: spec.url, options: spec.options, origin: .api, createdBy: actor, createdAt: now())
        guard let stored = try await store.addFeed(feed) else {
            let existing = try await store.feeds().first { $0.key == feed.key }
            throw ServiceError.conflict(
                code: "feed_exists",
                detail: "a feed with this URL and options exists" + (existing?.id.map { " (id \($0))" } ?? ""))
        }
        logger.info(
            "threat-intel feed added",
            metadata: ["ti.feed.id": "\(stored.id ?? 0)", "ti.feed.url": "\(stored.displayURL)", "actor": "\(actor)"])
        return await refresh(stored, audited: false)
    }

    /// Fetches the feed now (conditionally, like a scheduled refresh).
    public func refresh(id: TIFeed.ID) async throws -> TIFeed {
        await refresh(try await feed(id: id), audited: false)
    }

    /// Deletes an API feed; its IOCs go as if it no longer listed them. `SIEM_TI_FEEDS` feeds are
    /// removed from the variable instead.
    public func delete(id: TIFeed.ID) async throws -> FeedSync {
        let feed = try await feed(id: id)
        guard feed.origin == .api else {
            throw ServiceError.conflict(
                code: "configured_feed", detail: "feed \(id) comes from SIEM_TI_FEEDS; remove it there and restart")
        }
        return try await remove(feed)
    }

    private func remove(_ feed: TIFeed) async throws -> FeedSync {
        guard let id = feed.id, let sync = try await store.deleteFeed(id: id, at: now()) else {
            throw ServiceError.notFound("no feed with id \(feed.id ?? 0)")
        }
        if sync.removed + sync.expired > 0 { try await snapshot.reload() }
        logger.info(
            "threat-intel feed deleted",
            metadata: [
                "ti.feed.id": "\(id)", "ti.feed.url": "\(feed.displayURL)", "ti.iocs.removed": "\(sync.removed)",
                "ti.iocs.expired": "\(sync.expired)",
            ])
        return sync
    }

    // MARK: Configuration

    /// Adds the feeds of `SIEM_TI_FEEDS` that are new, updates those whose interval, severity or
    /// name changed, and deletes configured feeds no longer in it.
    func applyConfiguration() async throws {
        let existing = try await store.feeds()
        let wanted = configuration.feeds.map {
            TIFeed(
                url: $0.url, options: $0.options, origin: .configuration, createdBy: Self.configurationActor,
                createdAt: now())
        }
        let wantedKeys = Set(wanted.map(\.key))
        for feed in existing where feed.origin == .configuration && !wantedKeys.contains(feed.key) {
            let sync = try await remove(feed)
            await record(
                "DELETE /ti/feeds/{id}", feed: feed, actor: Self.configurationActor, status: 200,
                details: ["removed": .int(Int64(sync.removed)), "expired": .int(Int64(sync.expired))])
        }
        for feed in wanted {
            if let current = existing.first(where: { $0.key == feed.key }) {
                guard current.origin == .configuration, current.options != feed.options, let id = current.id else {
                    continue
                }
                try await store.updateFeedOptions(id: id, feed.options)
                // Fetch in full next time, so new severity or name reach every IOC.
                var state = current.state
                state.etag = nil
                state.lastModified = nil
                state.addedAfter = nil
                try await store.updateFeedState(id: id, state)
                continue
            }
            guard let stored = try await store.addFeed(feed) else { continue }
            await record("POST /ti/feeds", feed: stored, actor: Self.configurationActor, status: 201, details: [:])
        }
    }

    // MARK: Refreshing

    /// Refreshes `feed` (one refresh of a feed at a time) and returns it with its new state.
    func refresh(_ feed: TIFeed, audited: Bool) async -> TIFeed {
        guard let id = feed.id else { return feed }
        return await gate.run(id) { [self] in
            let current = (try? await store.feed(id: id)) ?? feed
            return await fetch(current, audited: audited)
        }
    }

    private func fetch(_ feed: TIFeed, audited: Bool) async -> TIFeed {
        guard let id = feed.id else { return feed }
        let started = now()
        var feed = feed
        feed.state.lastAttemptAt = started
        let defaults = IOCImport.Defaults(
            type: feed.options.type, source: feed.source, severity: feed.options.severity ?? .high)
        var changed = false
        var failure: String?
        do {
            let download = try await reader.read(
                feed.url, options: feed.options, defaults: defaults, state: feed.state, at: started)
            var result = FeedResult(notModified: download.result == nil)
            if let parsed = download.result {
                let sync = try await store.syncFeed(
                    id: id, iocs: parsed.iocs, withdrawn: parsed.withdrawn, replace: download.complete, at: started)
                result = FeedResult(
                    added: sync.added, updated: sync.updated, removed: sync.removed, expired: sync.expired,
                    rejected: parsed.rejected.count, skipped: parsed.skipped)
                feed.state.iocCount = sync.listed
                changed = result.changedIOCs
            }
            feed.state.etag = download.etag
            feed.state.lastModified = download.lastModified
            feed.state.addedAfter = download.addedAfter
            feed.state.lastSuccessAt = started
            feed.state.lastError = nil
            feed.state.lastResult = result
            if changed { try await snapshot.reload() }
            logger.info(
                "threat-intel feed refreshed",
                metadata: [
                    "ti.feed.id": "\(id)", "ti.feed.url": "\(feed.displayURL)",
                    "ti.feed.not_modified": "\(result.notModified)",
                    "ti.iocs.added": "\(result.added)", "ti.iocs.updated": "\(result.updated)",
                    "ti.iocs.removed": "\(result.removed)", "ti.iocs.expired": "\(result.expired)",
                    "ti.iocs.listed": "\(feed.state.iocCount)", "ti.iocs.rejected": "\(result.rejected)",
                ])
        } catch {
            let problem = (error as? FeedError).map(\.description) ?? "siemd could not store the feed's IOCs"
            failure = problem
            feed.state.lastError = problem
            logger.warning(
                "threat-intel feed refresh failed; its IOCs are kept",
                metadata: [
                    "ti.feed.id": "\(id)", "ti.feed.url": "\(feed.displayURL)", "error": "\(problem)",
                    "error.detail": "\(error is FeedError ? "" : String(describing: error))",
                ])
        }
        do {
            try await store.updateFeedState(id: id, feed.state)
        } catch {
            logger.error("threat-intel feed state not saved", metadata: ["ti.feed.id": "\(id)", "error": "\(error)"])
        }
        if audited, changed || failure != nil {
            let result = feed.state.lastResult ?? FeedResult()
            var details: [String: JSONValue] = [
                "added": .int(Int64(result.added)), "updated": .int(Int64(result.updated)),
                "removed": .int(Int64(result.removed)), "expired": .int(Int64(result.expired)),
            ]
            if let failure { details = ["error": .string(failure)] }
            await record(
                "POST /ti/feeds/{id}/refresh", feed: feed, actor: Self.schedulerActor,
                status: failure == nil ? 200 : 502,
                details: details)
        }
        return feed
    }

    /// Appends an audit entry for a change siemd made by itself.
    func record(_ action: String, feed: TIFeed, actor: String, status: Int, details: [String: JSONValue]) async {
        var details = details
        details["url"] = .string(feed.displayURL)
        let path = "/ti/feeds" + (feed.id.map { "/\($0)" } ?? "") + (action.hasSuffix("/refresh") ? "/refresh" : "")
        let entry = AuditEntry(
            at: now(), actor: actor, role: nil, address: nil, action: action, target: path, status: status,
            details: details)
        do {
            _ = try await audit.record([entry])
        } catch {
            logger.error("audit entry not recorded", metadata: ["audit.action": "\(action)", "error": "\(error)"])
        }
    }
}

/// One refresh of a feed at a time: a second caller waits for the first to finish, then runs.
/// Cancelling the caller cancels its refresh.
actor RefreshGate {
    private var running: [TIFeed.ID: Task<TIFeed, Never>] = [:]

    func run(_ id: TIFeed.ID, _ work: @escaping @Sendable () async -> TIFeed) async -> TIFeed {
        // A finished refresh is cleared by whoever sees it first: waiting for a task that has
        // finished does not suspend, so leaving it to its owner spun this actor (seen in CI).
        while let task = running[id] {
            _ = await task.value
            if running[id] == task { running[id] = nil }
        }
        let task = Task { await work() }
        running[id] = task
        let feed = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        if running[id] == task { running[id] = nil }
        return feed
    }
}
