import Foundation
import Logging
import SIEMCore
import SIEMRules
import SIEMStore

/// The one ingest path: normalize → extract IPs → evaluate rules and match IOCs → store events and
/// alerts in one transaction. It knows nothing about HTTP; routes, services, tests and tools call it.
public struct Pipeline: Sendable {
    public let store: any EventStore
    /// Normalizes events; its rules are replaced by `rules.current` at each ingest call.
    public let analyzer: EventAnalyzer
    /// The rules in force (reloadable) and their statistics.
    public let rules: RuleService
    /// The IOC snapshot matched at ingest (`ti_*` alerts); nil matches no IOCs.
    public let iocs: IOCSnapshot?
    /// Called with what was committed, after the commit; must not block (siemd enqueues the
    /// writes on its `PostCommitQueue`).
    public var onCommit: @Sendable ([EventWrite]) -> Void
    /// Counts ingest calls, events and alerts for `/metrics` when set.
    public var metrics: SIEMMetrics?
    private let now: @Sendable () -> Date

    public init(
        store: any EventStore,
        analyzer: EventAnalyzer,
        rules: RuleService? = nil,
        iocs: IOCSnapshot? = nil,
        now: @escaping @Sendable () -> Date = Date.init,
        onCommit: @escaping @Sendable ([EventWrite]) -> Void = { _ in }
    ) {
        self.store = store
        self.analyzer = analyzer
        self.rules = rules ?? RuleService(rules: analyzer.rules)
        self.iocs = iocs
        self.now = now
        self.onCommit = onCommit
    }

    /// Steps 2–4 for one event with the rules in force: pure, runs on the caller's task.
    public func analyze(_ event: Event, at time: Date, iocs: IOCSet = .empty) -> EventWrite {
        var analyzer = analyzer
        analyzer.rules = rules.current
        let (event, alerts) = analyzer.analyze(event, at: time, iocs: iocs)
        return EventWrite(event: event, alerts: alerts)
    }

    /// Analyzes and stores the events; returns once they are committed, with ids and alerts.
    public func ingest(_ events: [Event]) async throws -> [EventWrite] {
        let started = ContinuousClock.now
        let time = now()
        let iocs = try await self.iocs?.snapshot() ?? .empty
        var analyzer = analyzer
        analyzer.rules = rules.current
        // Per-rule evaluation counts for `GET /rules`; the first event of each 64 is timed.
        var tally = RuleTally()
        let writes = events.enumerated().map { position, event in
            let (event, alerts) = analyzer.analyze(
                event, at: time, iocs: iocs, tally: &tally, timed: position & 63 == 0)
            return EventWrite(event: event, alerts: alerts)
        }
        rules.record(tally, of: analyzer.rules)
        let stored: [EventWrite]
        do {
            stored = try await store.insert(writes)
        } catch {
            metrics?.ingestFailures.increment()
            throw error
        }
        metrics?.committed(stored, duration: ContinuousClock.now - started)
        if stored.count < events.count { metrics?.duplicatesDropped.increment(by: Int64(events.count - stored.count)) }
        rules.record(stored.lazy.flatMap(\.alerts))
        onCommit(stored)
        return stored
    }
}
