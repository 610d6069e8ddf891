import Foundation
import SIEMCore
import SIEMRules
import SIEMStore
import Synchronization

/// Threshold and correlation rules inside the commit: the store's writer hands it each job's
/// events, in commit order and with their ids, and writes the alerts it raises and the state of
/// its windows in the same transaction. So a window's count never includes an event that was not
/// committed, a restart resumes every open window, and an alert raised before a crash is found
/// again (by its burst key) instead of being raised twice.
public final class CorrelationDetector: CommitDetector {
    /// What `/metrics` shows.
    public struct Statistics: Sendable, Hashable {
        public var openGroups = 0
        public var droppedGroups = 0
        public var expiredGroups = 0
        public var lateEvents = 0
        public var correlations = 0
    }

    struct State: Sendable {
        var set: RuleSet
        var generation: Int
        var engine: CorrelationEngine
        /// Rule id → position in `set.rules` (the pipeline names matches by id: a reload between
        /// analysis and commit must not shift them).
        var positions: [String: Int]
        /// Counts carried over from engines replaced by a reload or a restore.
        var carried = Statistics()
    }

    public let limits: CorrelationLimits
    private let state: Mutex<State>

    public init(rules: RuleSet, generation: Int = 0, limits: CorrelationLimits = CorrelationLimits()) {
        self.limits = limits
        state = Mutex(
            State(
                set: rules, generation: generation, engine: CorrelationEngine(rules: rules, limits: limits),
                positions: Self.positions(rules)))
    }

    private static func positions(_ rules: RuleSet) -> [String: Int] {
        var positions: [String: Int] = [:]
        for (index, rule) in rules.rules.enumerated() where positions[rule.id] == nil { positions[rule.id] = index }
        return positions
    }

    /// Switches to reloaded rules (when `generation` differs from the one in use), keeping the open
    /// windows of every correlation whose definition did not change.
    public func use(_ rules: RuleSet, generation: Int) {
        state.withLock { state in
            guard state.generation != generation else { return }
            let states = state.engine.states()
            Self.carry(&state)
            var engine = CorrelationEngine(rules: rules, limits: limits)
            engine.restore(states)
            state = State(
                set: rules, generation: generation, engine: engine, positions: Self.positions(rules),
                carried: state.carried)
        }
    }

    private static func carry(_ state: inout State) {
        state.carried.droppedGroups += state.engine.droppedGroups
        state.carried.expiredGroups += state.engine.expiredGroups
        state.carried.lateEvents += state.engine.lateEvents
    }

    public var statistics: Statistics {
        state.withLock { state in
            var statistics = state.carried
            statistics.openGroups = state.engine.openGroups
            statistics.droppedGroups += state.engine.droppedGroups
            statistics.expiredGroups += state.engine.expiredGroups
            statistics.lateEvents += state.engine.lateEvents
            statistics.correlations = state.set.correlations.count
            return statistics
        }
    }

    public func restore(_ states: [(key: String, state: Data)]) {
        state.withLock { state in
            Self.carry(&state)
            state.engine = CorrelationEngine(rules: state.set, limits: limits)
            state.engine.restore(states)
        }
    }

    public func detect(_ stored: [EventWrite]) -> DetectorOutput {
        state.withLock { state in
            var output = DetectorOutput()
            for (index, write) in stored.enumerated() where !write.ruleMatches.isEmpty {
                guard let id = write.event.id else { continue }
                let inputs = write.ruleMatches.compactMap { state.positions[$0] }
                guard !inputs.isEmpty else { continue }
                let updates = state.engine.observe(
                    event: write.event, inputs: inputs, reference: id, time: write.event.ts)
                for update in updates where state.set.correlations.indices.contains(update.rule) {
                    output.alerts.append(
                        (index, Self.alert(for: update, of: state.set.correlations[update.rule], event: write.event)))
                }
            }
            output.state = state.engine.takeChanges().map { ($0.key, $0.state) }
            return output
        }
    }

    /// The alert an update opens (`isNew`) or the values it grows the open one by.
    static func alert(for update: CorrelationUpdate, of rule: CorrelationRule, event: Event) -> Alert {
        var group: [String: JSONValue] = [:]
        for (field, value) in update.group { group[field] = value }
        // The count and times grow with the burst (the alert's `count`, `first_seen`, `last_seen`):
        // the description names only what stays, the group.
        let summary = update.group.map { "\($0.field)=\($0.value.scalarText ?? "")" }.joined(separator: ", ")
        let description =
            (rule.description.isEmpty ? rule.title : rule.description) + (summary.isEmpty ? "" : " (\(summary))")
        return Alert(
            ts: update.firstWindowEnd,
            createdAt: Date(),
            ruleID: rule.id,
            title: rule.title,
            severity: rule.severity,
            description: description,
            tags: rule.tags,
            details: ["first_window_end": .string(Timestamp.format(update.firstWindowEnd))],
            host: event.host,
            agentID: event.agentID,
            rule: AlertRule(
                format: rule.metadata.format.rawValue, author: rule.metadata.author,
                references: rule.metadata.references, falsePositives: rule.metadata.falsePositives,
                file: rule.metadata.file),
            kind: rule.metadata.format == .native ? .threshold : .correlation,
            count: update.count,
            firstSeen: update.firstSeen,
            lastSeen: update.lastSeen,
            eventIDs: update.newEvidence,
            group: group,
            suppression: AlertSuppression(
                key: update.burstKey, scope: .burst(isNew: update.isNew), evidence: update.newEvidence)
        )
    }
}
