import SIEMCore

/// What a group needs to know of its correlation, resolved once per correlation.
struct WindowParameters: Sendable {
    enum Kind: UInt8, Sendable {
        case eventCount = 0, valueCount, temporal, temporalOrdered
    }

    var kind: Kind
    var id: String
    /// Milliseconds.
    var timespan: Int64
    var condition: CorrelationCondition
    /// Whether the condition only asks for at least a count (`gt`, `gte`): then a window with too
    /// few referenced rules present cannot hold it, whatever their order.
    var monotonic: Bool
    var inputCount: Int
    /// Whether some input is a correlation: base events can then arrive twice (through two
    /// overlapping inner windows), so a burst remembers the references it has reported.
    var deduplicates: Bool
    var maxReevaluations: Int
}

/// One event behind a window: the caller's reference and the event time (milliseconds).
struct Evidence: Sendable, Hashable {
    var reference: Int64
    var time: Int64
}

/// One matching event in a group's buffer.
struct WindowEntry: Sendable {
    /// Milliseconds since 1970.
    var time: Int64
    var reference: Int64
    /// Which inputs (positions in the correlation's `inputs`) the event matched.
    var mask: UInt32
    /// Equal to the group's `mark` when the event is evidence of the open burst.
    var mark: UInt32
    /// The hash of the folded value `value_count` counts (`GroupKey.valueHash`); 0 when absent (the
    /// event is still evidence).
    var value: UInt64
    /// For a window of an inner correlation: the base events behind it.
    var chained: [Evidence]?
}

/// A window that met the condition.
struct FiredWindow: Sendable {
    /// Milliseconds.
    var end: Int64
    var isNew: Bool
    var burstKey: String
    var count: Int
    /// The events this window adds to the burst (all of the window's for its first).
    var newEvidence: [Evidence]
    var firstSeen: Int64
    var lastSeen: Int64
    var firstWindowEnd: Int64
}

/// An open alert: windows of one group that met the condition with no quiet timespan between them.
struct Burst: Sendable {
    static let maxSeen = 65_536
    var key: String
    var firstWindowEnd: Int64
    var firstSeen: Int64
    var lastSeen: Int64
    var count: Int
    /// References reported so far (only for correlations over correlations), at most `maxSeen`.
    var seen: Set<Int64>
}

/// The matching events of one group of one correlation, sorted by time (arrival order among equal
/// times), kept for twice the timespan behind the newest: one timespan for the window that ends at
/// the newest event, one more for events that arrive that late.
struct CorrelationGroup: Sendable {
    var values: [JSONValue]
    var entries: [WindowEntry] = []
    /// The first entry of the window that ends at the newest entry.
    var windowStart = 0
    var newest = Int64.min
    /// Per input, its entries in that window (temporal kinds).
    var inputCounts: [Int32]
    /// Per value hash, its entries in that window (value_count).
    var valueCounts: [UInt64: Int32] = [:]
    var burst: Burst?
    var mark: UInt32 = 0
    /// The latest time of an entry that arrived out of order and may be left out of evidence:
    /// windows that start at or before it look at every entry for new evidence.
    var irregularUntil = Int64.min
    var lastActive: UInt64 = 0
    var dirty = false

    init(values: [JSONValue], inputCount: Int, kind: WindowParameters.Kind) {
        self.values = values
        inputCounts = kind == .temporal || kind == .temporalOrdered ? [Int32](repeating: 0, count: inputCount) : []
    }

    /// Adds one matching event and returns the windows it makes meet the condition: the window that
    /// ends at it and, when it arrived out of order, the later windows that now hold it.
    mutating func add(_ entry: WindowEntry, _ parameters: WindowParameters, key: String) -> [FiredWindow] {
        let time = entry.time
        let timespan = parameters.timespan
        // A group quiet for a whole timespan closes its burst: the next firing is a new alert.
        if !entries.isEmpty, time > newest, time - newest > timespan { burst = nil }
        let inOrder = entries.isEmpty || time >= newest
        let position: Int
        if inOrder {
            position = entries.count
            entries.append(entry)
            newest = time
            include(position)
            while entries[windowStart].time < time - timespan {
                exclude(windowStart)
                windowStart += 1
            }
        } else {
            position = upperBound(time)
            entries.insert(entry, at: position)
            if position >= windowStart {
                include(position)
            } else {
                windowStart += 1
            }
            irregularUntil = max(irregularUntil, time)
        }
        var fired: [FiredWindow] = []
        var end = position
        while end + 1 < entries.count, entries[end + 1].time == time { end += 1 }
        evaluate(endingAt: end, parameters, key: key, into: &fired)
        if !inOrder {
            var evaluated = 0
            var next = end + 1
            while next < entries.count, entries[next].time - time <= timespan, evaluated < parameters.maxReevaluations {
                var last = next
                while last + 1 < entries.count, entries[last + 1].time == entries[next].time { last += 1 }
                evaluate(endingAt: last, parameters, key: key, into: &fired)
                evaluated += 1
                next = last + 1
            }
        }
        prune(timespan)
        return fired
    }

    // MARK: The window that ends at the newest entry

    private mutating func include(_ index: Int) {
        let entry = entries[index]
        if !inputCounts.isEmpty {
            var mask = entry.mask
            while mask != 0 {
                inputCounts[mask.trailingZeroBitCount] += 1
                mask &= mask - 1
            }
        }
        if entry.value != 0 { valueCounts[entry.value, default: 0] += 1 }
    }

    private mutating func exclude(_ index: Int) {
        let entry = entries[index]
        if !inputCounts.isEmpty {
            var mask = entry.mask
            while mask != 0 {
                inputCounts[mask.trailingZeroBitCount] -= 1
                mask &= mask - 1
            }
        }
        if entry.value != 0 {
            let remaining = (valueCounts[entry.value] ?? 1) - 1
            valueCounts[entry.value] = remaining > 0 ? remaining : nil
        }
    }

    /// Rebuilds `windowStart` and the counts of the newest window from `entries` (after restore).
    mutating func rebuildWindow(_ timespan: Int64) {
        newest = entries.last?.time ?? Int64.min
        windowStart = entries.isEmpty ? 0 : lowerBound(newest - timespan)
        for index in inputCounts.indices { inputCounts[index] = 0 }
        valueCounts = [:]
        for index in windowStart..<entries.count { include(index) }
    }

    /// Drops entries older than twice the timespan behind the newest, a batch at a time.
    private mutating func prune(_ timespan: Int64) {
        let oldest = newest - 2 * timespan
        guard let first = entries.first, first.time < oldest else { return }
        var count = 0
        while count < windowStart, entries[count].time < oldest { count += 1 }
        guard count >= 32 || count * 4 >= entries.count else { return }
        entries.removeFirst(count)
        windowStart -= count
    }

    // MARK: Windows

    /// The first index whose time is at least `time`.
    func lowerBound(_ time: Int64) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].time < time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The first index whose time is later than `time`.
    private func upperBound(_ time: Int64) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].time <= time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Evaluates the window `[end time − timespan, end time]` that ends at entry `end` (the last
    /// entry of its instant) and, when it meets the condition, opens or grows the burst.
    private mutating func evaluate(
        endingAt end: Int, _ parameters: WindowParameters, key: String, into fired: inout [FiredWindow]
    ) {
        let endTime = entries[end].time
        let isNewest = end == entries.count - 1
        let start = isNewest ? windowStart : lowerBound(endTime - parameters.timespan)
        var chain: [Int] = []
        let metric: Int
        switch parameters.kind {
        case .eventCount:
            metric = end - start + 1
        case .valueCount:
            metric = isNewest ? valueCounts.count : distinctValues(start, end)
        case .temporal:
            metric = isNewest ? inputCounts.reduce(0) { $1 > 0 ? $0 + 1 : $0 } : presentInputs(start, end)
        case .temporalOrdered:
            if parameters.monotonic {
                let present = isNewest ? inputCounts.reduce(0) { $1 > 0 ? $0 + 1 : $0 } : presentInputs(start, end)
                guard parameters.condition.holds(present) else { return }
            }
            chain = orderedChain(start, end, inputs: parameters.inputCount)
            metric = chain.count
        }
        guard parameters.condition.holds(metric) else { return }
        fire(
            start: start, end: end, chain: parameters.kind == .temporalOrdered ? chain : nil, parameters, key: key,
            into: &fired)
    }

    private func distinctValues(_ start: Int, _ end: Int) -> Int {
        var seen: Set<UInt64> = []
        for index in start...end where entries[index].value != 0 { seen.insert(entries[index].value) }
        return seen.count
    }

    private func presentInputs(_ start: Int, _ end: Int) -> Int {
        var mask: UInt32 = 0
        for index in start...end { mask |= entries[index].mask }
        return mask.nonzeroBitCount
    }

    /// Positions of the earliest match of the first input in the window, then of the earliest
    /// match of each next input strictly later than the previous one chosen, as far as they go.
    private func orderedChain(_ start: Int, _ end: Int, inputs: Int) -> [Int] {
        var chain: [Int] = []
        var index = start
        var previous = Int64.min
        for input in 0..<inputs {
            let bit = UInt32(1) << UInt32(input)
            while index <= end, entries[index].mask & bit == 0 || entries[index].time <= previous { index += 1 }
            guard index <= end else { break }
            chain.append(index)
            previous = entries[index].time
            index += 1
        }
        return chain
    }

    private mutating func fire(
        start: Int, end: Int, chain: [Int]?, _ parameters: WindowParameters, key: String,
        into fired: inout [FiredWindow]
    ) {
        let endTime = entries[end].time
        let isNew = burst == nil
        if isNew {
            mark &+= 1
            if mark == 0 { mark = 1 }
            burst = Burst(
                key: parameters.id + "\u{1F}" + key + "\u{1F}" + String(endTime), firstWindowEnd: endTime,
                firstSeen: Int64.max, lastSeen: Int64.min, count: 0, seen: [])
        }
        // The entries that are new evidence of the burst.
        var fresh: [Int] = []
        if let chain {
            fresh = chain.filter { entries[$0].mark != mark }
        } else if irregularUntil >= entries[start].time {
            for index in start...end where entries[index].mark != mark { fresh.append(index) }
        } else {
            // In order, the evidence already reported is a prefix of the window: look back until it.
            var index = end
            while index >= start, entries[index].mark != mark {
                fresh.append(index)
                index -= 1
            }
            fresh.reverse()
        }
        if irregularUntil < entries[start].time { irregularUntil = Int64.min }
        var newEvidence: [Evidence] = []
        // Taken out while it grows, so its `seen` set is not copied.
        var burst = self.burst!
        self.burst = nil
        for index in fresh {
            entries[index].mark = mark
            if let chained = entries[index].chained {
                for evidence in chained where burst.seen.insert(evidence.reference).inserted {
                    newEvidence.append(evidence)
                }
            } else {
                let evidence = Evidence(reference: entries[index].reference, time: entries[index].time)
                if !parameters.deduplicates || burst.seen.insert(evidence.reference).inserted {
                    newEvidence.append(evidence)
                }
            }
        }
        if parameters.deduplicates { newEvidence.sort { ($0.time, $0.reference) < ($1.time, $1.reference) } }
        for evidence in newEvidence {
            burst.firstSeen = min(burst.firstSeen, evidence.time)
            burst.lastSeen = max(burst.lastSeen, evidence.time)
        }
        burst.count += newEvidence.count
        // Bounded: past it, a base event that reaches the burst again through another inner
        // window would be counted twice.
        if burst.seen.count > Burst.maxSeen { burst.seen = [] }
        self.burst = burst
        fired.append(
            FiredWindow(
                end: endTime, isNew: isNew, burstKey: burst.key, count: burst.count, newEvidence: newEvidence,
                firstSeen: burst.firstSeen, lastSeen: burst.lastSeen, firstWindowEnd: burst.firstWindowEnd))
    }
}
