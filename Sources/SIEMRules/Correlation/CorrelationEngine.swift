import Foundation
import SIEMCore

/// The state machines of a rule set's correlations (Sigma correlation rules and native thresholds):
/// pure, time passed in, used by one caller at a time (siemd's writer holds it under its lock).
///
/// Semantics (those of `shared/testdata/sigma/correlation/expected.json`):
/// - Windows slide on event time, anchored at every matching event: an event at `t` closes the
///   window `[t − timespan, t]`, both edges inclusive, to the millisecond.
/// - Groups are keyed by the `groupBy` values folded (`GroupKey`: Unicode case folding, `42` =
///   `"42"`, `""` is a key); an event without a group field (absent or null) is not counted; no
///   `groupBy` is one group.
/// - `value_count` counts distinct folded values (by a 64-bit hash, `GroupKey.valueHash`), absent
///   and null not counted (those events are still evidence); `temporal` needs every referenced
///   rule in the window; `temporal_ordered` needs them in order, each strictly later than the one
///   before (its evidence is the chain: the earliest match of the first rule, then the earliest
///   later match of each next one; its count is how far that chain gets).
/// - The caller passes each event's own time; one far in the future moves the watermark with it
///   (later events then count as late), so siemd should bound event times by its receive time.
/// - A correlation over a correlation (or over a native threshold rule) counts one event per window
///   of the inner one that met its condition, at that window's end, with the inner group's values;
///   its evidence is the base events that window added to the inner alert (the whole window for
///   the first window of an inner burst), so a long inner burst is not carried over and over.
/// - Overlapping windows of a group are one alert (a burst): the first window that meets the
///   condition opens it (`isNew`), later ones grow it with the events they add. A new alert comes
///   only after the group had no matching event for more than a whole timespan.
/// - An event may arrive up to its correlation's timespan behind the newest event time seen (the
///   watermark) and still counts in every window it belongs to (at most
///   `CorrelationLimits.maxReevaluations` later windows are evaluated again for it). An event older
///   than that is not counted at all (`lateEvents`): windows that closed before it arrived stay as
///   they were.
/// - A group keeps its events for twice its timespan behind its newest (the window plus the
///   lateness allowed) and expires when its newest event is that far behind the watermark. Past
///   `maxGroups`, the least recently active groups are dropped (`droppedGroups`), 5% of the cap
///   more than the excess at a time so that finding them (a sort) is rare.
public struct CorrelationEngine: Sendable {
    struct Consumer: Sendable {
        var correlation: Int
        var input: Int
    }

    struct Track: Sendable {
        var groups: [String: CorrelationGroup] = [:]
    }

    struct GroupID: Hashable, Sendable {
        var correlation: Int
        var key: String
    }

    public let correlations: [CorrelationRule]
    public let limits: CorrelationLimits
    let parameters: [WindowParameters]
    let signatures: [UInt64]
    /// Per base rule position: the correlations and input positions its matches feed.
    let consumers: [[Consumer]]
    /// Per correlation: the correlations and input positions its windows feed.
    let chainedConsumers: [[Consumer]]
    let correlationOfID: [String: Int]
    var tracks: [Track]
    var watermarkMilliseconds = Int64.min
    var tick: UInt64 = 0
    /// `tick` at the last expiry sweep.
    var lastSweep: UInt64 = 0
    var groupCount = 0
    var dirty: [GroupID] = []
    var removed: [GroupID] = []
    var sweepCountdown = 4096

    /// Groups dropped because `maxGroups` was reached.
    public internal(set) var droppedGroups = 0
    /// Groups removed because their newest event fell too far behind the watermark.
    public internal(set) var expiredGroups = 0
    /// Correlation inputs not counted because they arrived more than a timespan behind the watermark.
    public internal(set) var lateEvents = 0

    /// An engine over the correlations of `rules` (linked to its rules by `RuleSet`).
    public init(rules: RuleSet, limits: CorrelationLimits = CorrelationLimits()) {
        let correlations = rules.correlations
        let ruleCount = rules.rules.count
        self.correlations = correlations
        self.limits = limits
        var consumers = [[Consumer]](repeating: [], count: ruleCount)
        var chained = [[Consumer]](repeating: [], count: correlations.count)
        for (index, correlation) in correlations.enumerated() {
            for (position, input) in correlation.inputs.enumerated() {
                switch input {
                case .rule(let rule) where consumers.indices.contains(rule):
                    consumers[rule].append(Consumer(correlation: index, input: position))
                case .correlation(let inner) where chained.indices.contains(inner):
                    chained[inner].append(Consumer(correlation: index, input: position))
                default: continue
                }
            }
        }
        self.consumers = consumers
        chainedConsumers = chained
        parameters = correlations.enumerated().map { index, correlation in
            let kind: WindowParameters.Kind
            switch correlation.kind {
            case .eventCount: kind = .eventCount
            case .valueCount: kind = .valueCount
            case .temporal: kind = .temporal
            case .temporalOrdered: kind = .temporalOrdered
            }
            return WindowParameters(
                kind: kind, id: correlation.id, timespan: max(0, Int64((correlation.timespan * 1000).rounded())),
                condition: correlation.condition,
                monotonic: correlation.condition.terms.allSatisfy { $0.op == .gt || $0.op == .gte },
                inputCount: correlation.inputs.count,
                deduplicates: correlation.inputs.contains {
                    if case .correlation = $0 { return true }
                    return false
                }, maxReevaluations: limits.maxReevaluations)
        }
        signatures = correlations.map(CorrelationState.signature)
        var ids: [String: Int] = [:]
        for (index, correlation) in correlations.enumerated() where ids[correlation.id] == nil {
            ids[correlation.id] = index
        }
        correlationOfID = ids
        tracks = [Track](repeating: Track(), count: correlations.count)
    }

    /// Open groups across all correlations.
    public var openGroups: Int { groupCount }

    /// The newest event time seen, nil before the first.
    public var watermark: Date? {
        watermarkMilliseconds == Int64.min ? nil : Self.date(watermarkMilliseconds)
    }

    /// Counts one event that matched the base rules at `inputs` (positions in `RuleSet.rules`, as
    /// `EventAnalyzer.Analysis.correlationInputs` gives them) at event time `time`; `reference`
    /// names it in evidence (an event id, a line number). Returns the alerts it opens or grows, of
    /// correlations that raise alerts; windows of inner correlations feed the outer ones here.
    public mutating func observe(event: Event, inputs: [Int], reference: Int64, time: Date) -> [CorrelationUpdate] {
        let now = Self.milliseconds(time)
        if now > watermarkMilliseconds { watermarkMilliseconds = now }
        var touched: [(correlation: Int, mask: UInt32)] = []
        for position in inputs where consumers.indices.contains(position) {
            for consumer in consumers[position] {
                let bit = UInt32(1) << UInt32(consumer.input)
                if let index = touched.firstIndex(where: { $0.correlation == consumer.correlation }) {
                    touched[index].mask |= bit
                } else {
                    touched.append((consumer.correlation, bit))
                }
            }
        }
        var updates: [CorrelationUpdate] = []
        for (correlation, mask) in touched {
            let rule = correlations[correlation]
            // Each input reads the group from its own fields (aliases): inputs that agree share an entry.
            var pending: [(key: String, values: [JSONValue], mask: UInt32, value: UInt64)] = []
            var remaining = mask
            while remaining != 0 {
                let input = remaining.trailingZeroBitCount
                remaining &= remaining - 1
                guard let (key, values) = Self.groupKey(rule.groupReaders[input], event: event) else { continue }
                var value: UInt64 = 0
                if case .event(let reference)? = rule.valueReaders[input] {
                    value = GroupKey.value(at: reference, in: event).map(GroupKey.valueHash) ?? 0
                }
                let bit = UInt32(1) << UInt32(input)
                if let index = pending.firstIndex(where: { $0.key == key && $0.value == value }) {
                    pending[index].mask |= bit
                } else {
                    pending.append((key, values, bit, value))
                }
            }
            for item in pending {
                let entry = WindowEntry(
                    time: now, reference: reference, mask: item.mask, mark: 0, value: item.value, chained: nil)
                add(entry, to: correlation, key: item.key, values: item.values, updates: &updates)
            }
        }
        maintain()
        return updates
    }

    /// The group key and values an input reads from an event; nil when a field is absent.
    static func groupKey(_ readers: [CorrelationRule.FieldReader], event: Event) -> (String, [JSONValue])? {
        if readers.isEmpty { return ("", []) }
        var values: [JSONValue] = []
        var folded: [String] = []
        values.reserveCapacity(readers.count)
        for reader in readers {
            guard case .event(let reference) = reader, let value = GroupKey.value(at: reference, in: event) else {
                return nil
            }
            values.append(value)
            folded.append(GroupKey.fold(value))
        }
        return (GroupKey.join(folded), values)
    }

    private mutating func add(
        _ entry: WindowEntry, to correlation: Int, key: String, values: [JSONValue], updates: inout [CorrelationUpdate]
    ) {
        tick &+= 1
        let parameters = self.parameters[correlation]
        // Late is relative to the group's own newest event, not to the newest of all sources: a
        // host whose logs arrive an hour behind the others (or a file imported the next day) is
        // counted in the right windows.
        if let newest = tracks[correlation].groups[key]?.newest, newest != Int64.min,
            entry.time < newest - parameters.timespan
        {
            lateEvents += 1
            return
        }
        // One lookup, in place: the group is neither hashed again nor copied out of the dictionary.
        let (fired, created, becameDirty, groupValues) = Self.update(
            &tracks[correlation].groups[
                key, default: CorrelationGroup(values: values, inputCount: parameters.inputCount, kind: parameters.kind)
            ], with: entry, parameters, key: key, tick: tick)
        if created { groupCount += 1 }
        if becameDirty { dirty.append(GroupID(correlation: correlation, key: key)) }
        guard !fired.isEmpty else { return }
        let rule = correlations[correlation]
        for window in fired {
            if rule.raisesAlerts, window.isNew || !window.newEvidence.isEmpty {
                updates.append(
                    CorrelationUpdate(
                        rule: correlation, ruleID: rule.id,
                        group: zip(rule.groupBy, groupValues).map { (field: $0.0, value: $0.1) }, isNew: window.isNew,
                        burstKey: window.burstKey, count: window.count,
                        newEvidence: window.newEvidence.map(\.reference), firstSeen: Self.date(window.firstSeen),
                        lastSeen: Self.date(window.lastSeen), firstWindowEnd: Self.date(window.firstWindowEnd)))
            }
            for consumer in chainedConsumers[correlation] {
                feed(window, values: groupValues, to: consumer, updates: &updates)
            }
        }
    }

    private static func update(
        _ group: inout CorrelationGroup, with entry: WindowEntry, _ parameters: WindowParameters, key: String,
        tick: UInt64
    ) -> (fired: [FiredWindow], created: Bool, becameDirty: Bool, values: [JSONValue]) {
        let created = group.entries.isEmpty
        let fired = group.add(entry, parameters, key: key)
        group.lastActive = tick
        let becameDirty = !group.dirty
        group.dirty = true
        return (fired, created, becameDirty, fired.isEmpty ? [] : group.values)
    }

    /// One window of an inner correlation, counted by an outer one at the window's end.
    private mutating func feed(
        _ window: FiredWindow, values: [JSONValue], to consumer: Consumer, updates: inout [CorrelationUpdate]
    ) {
        let rule = correlations[consumer.correlation]
        var outerValues: [JSONValue] = []
        var folded: [String] = []
        for reader in rule.groupReaders[consumer.input] {
            guard case .group(let position?) = reader, values.indices.contains(position) else { return }
            outerValues.append(values[position])
            folded.append(GroupKey.fold(values[position]))
        }
        var value: UInt64 = 0
        if case .group(let position?)? = rule.valueReaders[consumer.input], values.indices.contains(position) {
            value = GroupKey.valueHash(values[position])
        }
        let entry = WindowEntry(
            time: window.end, reference: window.newEvidence.last?.reference ?? 0,
            mask: UInt32(1) << UInt32(consumer.input), mark: 0, value: value, chained: window.newEvidence)
        add(entry, to: consumer.correlation, key: GroupKey.join(folded), values: outerValues, updates: &updates)
    }

    // MARK: Bounds

    private mutating func maintain() {
        sweepCountdown -= 1
        if sweepCountdown <= 0 || groupCount > limits.maxGroups {
            expire()
            sweepCountdown = max(4096, groupCount)
        }
        if groupCount > limits.maxGroups {
            evict(groupCount - limits.maxGroups + limits.maxGroups / 20)
        }
    }

    /// Removes the groups whose newest event is more than twice their timespan behind the
    /// watermark and that took no event since the previous sweep (a group still being fed, such as
    /// one of a source whose old logs are being imported, stays).
    mutating func expire() {
        guard watermarkMilliseconds != Int64.min else { return }
        for correlation in tracks.indices {
            let oldest = watermarkMilliseconds - 2 * parameters[correlation].timespan
            var stale: [String] = []
            for (key, group) in tracks[correlation].groups where group.newest < oldest && group.lastActive <= lastSweep
            {
                stale.append(key)
            }
            for key in stale { remove(GroupID(correlation: correlation, key: key)) }
            expiredGroups += stale.count
        }
        lastSweep = tick
    }

    /// Drops the `count` least recently active groups.
    private mutating func evict(_ count: Int) {
        var candidates: [(active: UInt64, id: GroupID)] = []
        candidates.reserveCapacity(groupCount)
        for (correlation, track) in tracks.enumerated() {
            for (key, group) in track.groups {
                candidates.append((group.lastActive, GroupID(correlation: correlation, key: key)))
            }
        }
        candidates.sort { $0.active < $1.active }
        for candidate in candidates.prefix(count) { remove(candidate.id) }
        droppedGroups += min(count, candidates.count)
    }

    private mutating func remove(_ id: GroupID) {
        guard tracks[id.correlation].groups.removeValue(forKey: id.key) != nil else { return }
        groupCount -= 1
        removed.append(id)
    }

    // MARK: Time

    @inline(__always)
    static func milliseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded()
        guard value.isFinite else { return 0 }
        return Int64(max(-9.2e18, min(9.2e18, value)))
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
