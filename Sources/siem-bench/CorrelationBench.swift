import ArgumentParser
import Foundation
import SIEMCore
import SIEMRules

/// The correlation engine alone, on one core: 100 rules (native thresholds, counting and distinct,
/// and Sigma event_count, value_count, temporal and temporal_ordered correlations) fed events spread
/// over many active groups, as siemd's writer feeds it; memory per open group by resident memory
/// and by encoded state size.
struct CorrelationBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "correlation",
        abstract: "Correlation engine events/s per core, open groups and bytes per open group.")

    @Option(help: "Events to observe.") var events: Int = 1_000_000
    @Option(help: "Active groups (spread over the 100 rules).") var groups: Int = 100_000
    @Option(help: "Events per commit in the second run (takeChanges after each).") var commit: Int = 1000
    @Option(help: "Milliseconds of event time between consecutive events.") var step: Int = 1

    static let ruleCount = 100
    static let variants = 4

    func run() async throws {
        let set = Self.rules()
        guard set.correlations.count == Self.ruleCount, set.skipped.isEmpty else {
            throw ValidationError("bench rules did not load: \(set.skipped.map(\.reason))")
        }
        // Per group and variant (a user and a port that change from one event of a group to the
        // next): its event; per rule: the base rules its events match.
        let inputsOf = Self.inputs(set)
        let templates = (0..<groups * Self.variants).map { Self.event(group: $0 % groups, variant: $0 / groups) }
        func template(_ index: Int) -> Event { templates[(index / groups % Self.variants) * groups + index % groups] }
        let start = Date(timeIntervalSince1970: 1_714_557_600)
        let residentBefore = Self.residentBytes()
        var engine = CorrelationEngine(rules: set)
        var updates = 0
        var opened = 0
        let clock = ThreadCPUClock.now
        for index in 0..<events {
            let group = index % groups
            let time = start.addingTimeInterval(Double(index * step) / 1000)
            let result = engine.observe(
                event: template(index), inputs: inputsOf[group % Self.ruleCount][index / groups % 2],
                reference: Int64(index),
                time: time)
            updates += result.count
            for update in result where update.isNew { opened += 1 }
        }
        let seconds = ThreadCPUClock.now - clock
        let residentAfter = Self.residentBytes()
        let states = engine.states()
        let encoded = states.reduce(0) { $0 + $1.state.count + $1.key.utf8.count }
        let open = max(1, engine.openGroups)

        var committing = CorrelationEngine(rules: set)
        var changes = 0
        var changeBytes = 0
        let commitClock = ThreadCPUClock.now
        for index in 0..<events {
            let group = index % groups
            let time = start.addingTimeInterval(Double(index * step) / 1000)
            _ = committing.observe(
                event: template(index), inputs: inputsOf[group % Self.ruleCount][index / groups % 2],
                reference: Int64(index),
                time: time)
            if (index + 1) % commit == 0 {
                for change in committing.takeChanges() {
                    changes += 1
                    changeBytes += change.state?.count ?? 0
                }
            }
        }
        let commitSeconds = ThreadCPUClock.now - commitClock
        let restoreClock = ThreadCPUClock.now
        var restored = CorrelationEngine(rules: set)
        let restoredCount = restored.restore(states)
        let restoreSeconds = ThreadCPUClock.now - restoreClock
        print(
            """
            correlation: \(set.correlations.count) rules, \(events) events over \(groups) groups, \
            \(step) ms of event time apart (\(events * step / 1000) s)
              observe: \(Int(Double(events) / seconds)) events/s per core (\(updates) alert updates, \(opened) new alerts)
              observe + takeChanges every \(commit) events: \(Int(Double(events) / commitSeconds)) events/s per core \
            (\(changes) state writes, \(changeBytes / max(1, changes)) bytes each on average)
              open groups: \(engine.openGroups), dropped \(engine.droppedGroups), expired \(engine.expiredGroups), \
            late \(engine.lateEvents)
              memory per open group: \((residentAfter - residentBefore) / open) bytes resident \
            (resident set growth from /proc/self/statm over the run / open groups), \
            \(encoded / open) bytes encoded (state plus key)
              restore: \(restoredCount) groups in \(String(format: "%.2f", restoreSeconds)) s
            """)
    }

    /// 100 rules: 30 native thresholds counting events, 20 native thresholds counting distinct
    /// users, and Sigma correlations: 15 event_count, 15 value_count (ports), 10 temporal and 10
    /// temporal_ordered over two base rules each. Every base rule matches `fields.rule`.
    static func rules() -> RuleSet {
        var native = "rules:\n"
        for index in 0..<50 {
            native += "  - id: bench_threshold_\(index)\n    match: {field: fields.rule, equals: n\(index)}\n"
            if index < 30 {
                native += "    threshold: {count: 5, within: 10m, group_by: [fields.src]}\n"
            } else {
                native += "    threshold: {count: 3, within: 5m, group_by: [fields.src], distinct: fields.user}\n"
            }
        }
        var sigma = ""
        for index in 0..<50 {
            let type: String
            let condition: String
            var rules = ["bench_base_\(index)_a"]
            switch index {
            case 0..<15:
                type = "event_count"
                condition = "    condition: {gte: 4}\n"
            case 15..<30:
                type = "value_count"
                condition = "    condition: {field: port, gte: 3}\n"
            case 30..<40:
                type = "temporal"
                condition = ""
                rules.append("bench_base_\(index)_b")
            default:
                type = "temporal_ordered"
                condition = ""
                rules.append("bench_base_\(index)_b")
            }
            sigma += """
                title: Bench correlation \(index)
                id: bench-correlation-\(index)
                correlation:
                    type: \(type)
                    rules: [\(rules.joined(separator: ", "))]
                    group-by: [src]
                    timespan: 5m

                """ + condition + "---\n"
            for name in rules {
                sigma += """
                    title: \(name)
                    id: \(name)-id
                    name: \(name)
                    logsource: {product: bench}
                    detection:
                        selection: {rule: \(name)}
                        condition: selection
                    ---

                    """
            }
        }
        return RuleCollection.load(
            [
                RuleLoader.File(path: "bench-native.yml", text: native),
                RuleLoader.File(path: "bench-sigma.yml", text: sigma),
            ], options: RuleCollection.Options(ignoreLogsource: true))
    }

    /// Per rule (group % 100) and variant parity: the base rule positions its events match, as
    /// the analyzer gives them (temporal rules see their two kinds of events in turn).
    static func inputs(_ set: RuleSet) -> [[[Int]]] {
        var position: [String: Int] = [:]
        for (index, rule) in set.rules.enumerated() { position[rule.id] = index }
        return (0..<ruleCount).map { rule in
            if rule < 50 { return [[position["bench_threshold_\(rule)"]!], [position["bench_threshold_\(rule)"]!]] }
            let sigma = rule - 50
            let a = position["bench_base_\(sigma)_a-id"]!
            guard let b = position["bench_base_\(sigma)_b-id"] else { return [[a], [a]] }
            return [[a], [b]]
        }
    }

    /// An event of one group: its address, and a user and a port of the variant.
    static func event(group: Int, variant: Int) -> Event {
        let fields: [String: JSONValue] = [
            "src": .string("10.\(group >> 16 & 255).\(group >> 8 & 255).\(group & 255)"),
            "user": .string("user\(variant)"), "port": .int(Int64(20 + variant)),
        ]
        return Event(
            ts: Date(), receivedAt: Date(), source: "bench", host: "bench", message: "", fields: fields)
    }

    /// The process's resident set size, from `/proc/self/statm` (0 where it does not exist).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
