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
    /// Threshold and correlation rules, run by the store inside each commit.
    public let detector: CorrelationDetector
    /// Attaches `detector` to the store (restoring its windows) before the first ingest.
    private let attached: Task<Void, any Error>
    /// Folds repeats of a `ti_*` alert (same IOC, same host) within this window; nil raises each.
    public var threatIntelSuppression: TimeInterval? = 3600
    private let now: @Sendable () -> Date

    public init(
        store: any EventStore,
        analyzer: EventAnalyzer,
        rules: RuleService? = nil,
        iocs: IOCSnapshot? = nil,
        correlationLimits: CorrelationLimits = CorrelationLimits(),
        now: @escaping @Sendable () -> Date = Date.init,
        onCommit: @escaping @Sendable ([EventWrite]) -> Void = { _ in }
    ) {
        self.store = store
        self.analyzer = analyzer
        let rules = rules ?? RuleService(rules: analyzer.rules)
        self.rules = rules
        self.iocs = iocs
        self.now = now
        self.onCommit = onCommit
        let current = rules.currentWithGeneration
        let detector = CorrelationDetector(
            rules: current.rules, generation: current.generation, limits: correlationLimits)
        self.detector = detector
        attached = Task { try await store.attach(detector) }
    }

    /// Steps 2–4 for one event with the rules in force: pure, runs on the caller's task.
    public func analyze(_ event: Event, at time: Date, iocs: IOCSet = .empty) -> EventWrite {
        var analyzer = analyzer
        analyzer.rules = rules.current
        return write(analyzer.analyzeAll(event, at: time, iocs: iocs), rules: analyzer.rules)
    }

    /// The write of an analysis: the matches that feed correlations named by rule id, and the
    /// default suppression of threat-intel alerts.
    func write(_ analysis: EventAnalyzer.Analysis, rules: RuleSet) -> EventWrite {
        var alerts = analysis.alerts
        if let window = threatIntelSuppression {
            for index in alerts.indices where alerts[index].rule.format == "ti" && alerts[index].suppression == nil {
                let value = alerts[index].details["ioc_value"]?.stringValue ?? ""
                let host = analysis.event.host
                alerts[index].suppression = AlertSuppression(
                    key: alerts[index].ruleID + "\u{1}" + value.lowercased() + "\u{1}" + host.lowercased(),
                    scope: .window(window))
                alerts[index].group = ["ioc.value": .string(value), "host": .string(host)]
            }
        }
        return EventWrite(
            event: analysis.event, alerts: alerts,
            ruleMatches: analysis.correlationInputs.map { rules.rules[$0].id })
    }

    /// Analyzes and stores the events; returns once they are committed, with ids and alerts.
    public func ingest(_ events: [Event]) async throws -> [EventWrite] {
        let started = ContinuousClock.now
        let time = now()
        let iocs = try await self.iocs?.snapshot() ?? .empty
        try await attached.value
        var analyzer = analyzer
        let current = rules.currentWithGeneration
        analyzer.rules = current.rules
        detector.use(current.rules, generation: current.generation)
        // Per-rule evaluation counts for `GET /rules`; the first event of each 64 is timed.
        var tally = RuleTally()
        let writes = events.enumerated().map { position, event in
            write(
                analyzer.analyzeAll(event, at: time, iocs: iocs, tally: &tally, timed: position & 63 == 0),
                rules: analyzer.rules)
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
