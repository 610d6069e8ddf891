import Foundation
import Logging
import SIEMCore
import SIEMRules
import SIEMStore

/// The one ingest path: normalize → extract IPs → evaluate rules → store events and alerts in one
/// transaction. It knows nothing about HTTP; routes, tests and tools call it.
public struct Pipeline: Sendable {
    public let store: any EventStore
    public let analyzer: EventAnalyzer
    /// Called with what was committed, after the commit (webhooks, incidents); must not block.
    public var onCommit: @Sendable ([EventWrite]) async -> Void
    private let now: @Sendable () -> Date

    public init(
        store: any EventStore,
        analyzer: EventAnalyzer,
        now: @escaping @Sendable () -> Date = Date.init,
        onCommit: @escaping @Sendable ([EventWrite]) async -> Void = { _ in }
    ) {
        self.store = store
        self.analyzer = analyzer
        self.now = now
        self.onCommit = onCommit
    }

    /// Steps 2–4 for one event: pure, runs on the caller's task.
    public func analyze(_ event: Event, at time: Date) -> EventWrite {
        let (event, alerts) = analyzer.analyze(event, at: time)
        return EventWrite(event: event, alerts: alerts)
    }

    /// Analyzes and stores the events; returns once they are committed, with ids and alerts.
    public func ingest(_ events: [Event]) async throws -> [EventWrite] {
        let time = now()
        let writes = events.map { analyze($0, at: time) }
        let stored = try await store.insert(writes)
        await onCommit(stored)
        return stored
    }
}
