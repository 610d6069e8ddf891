import Foundation
import Logging
import SIEMCore
import SIEMRules
import SIEMStore

/// The one ingest path: normalize → extract IPs → evaluate rules and match IOCs → store events and
/// alerts in one transaction. It knows nothing about HTTP; routes, tests and tools call it.
public struct Pipeline: Sendable {
    public let store: any EventStore
    public let analyzer: EventAnalyzer
    /// The IOC snapshot matched at ingest (`ti_*` alerts); nil when the store keeps no IOCs.
    public let threatIntel: ThreatIntel?
    /// Called with what was committed, after the commit (webhooks, incidents); must not block.
    public var onCommit: @Sendable ([EventWrite]) async -> Void
    private let now: @Sendable () -> Date

    public init(
        store: any EventStore,
        analyzer: EventAnalyzer,
        threatIntel: ThreatIntel? = nil,
        now: @escaping @Sendable () -> Date = Date.init,
        onCommit: @escaping @Sendable ([EventWrite]) async -> Void = { _ in }
    ) {
        self.store = store
        self.analyzer = analyzer
        self.threatIntel = threatIntel
        self.now = now
        self.onCommit = onCommit
    }

    /// Steps 2–4 for one event: pure, runs on the caller's task.
    public func analyze(_ event: Event, at time: Date, iocs: IOCSet = .empty) -> EventWrite {
        let (event, alerts) = analyzer.analyze(event, at: time, iocs: iocs)
        return EventWrite(event: event, alerts: alerts)
    }

    /// Analyzes and stores the events; returns once they are committed, with ids and alerts.
    public func ingest(_ events: [Event]) async throws -> [EventWrite] {
        let time = now()
        let iocs = try await threatIntel?.snapshot() ?? .empty
        let writes = events.map { analyze($0, at: time, iocs: iocs) }
        let stored = try await store.insert(writes)
        await onCommit(stored)
        return stored
    }
}
