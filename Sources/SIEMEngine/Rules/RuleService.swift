import Dispatch
import Foundation
import SIEMCore
import SIEMRules
import Synchronization

/// The rules siemd evaluates, reloadable while it runs (`SIGHUP`, `POST /rules/reload`), with what
/// each rule has done since start. The pipeline reads `current` once per ingest call, so a reload
/// takes effect at the next call and never changes rules in the middle of one.
public final class RuleService: Sendable {
    /// Where the rules come from.
    public struct Source: Sendable {
        /// Files and folders, separated by commas (`SIEM_RULES`, `--rules`).
        public var rules: String
        /// The Sigma configuration file (`SIEM_SIGMA_CONFIG`); nil maps no log source.
        public var sigmaConfig: String?
        public var ignoreLogsource: Bool

        public init(rules: String, sigmaConfig: String? = nil, ignoreLogsource: Bool = false) {
            self.rules = rules
            self.sigmaConfig = sigmaConfig
            self.ignoreLogsource = ignoreLogsource
        }
    }

    struct Statistics: Sendable {
        var matches = 0
        var lastMatch: Date?
        var evaluations = 0
        var timedEvaluations = 0
        var timedNanos: Int64 = 0
    }

    struct LoadedFile: Sendable {
        var result: RuleCollection.FileResult
        var text: Data?
    }

    struct State: Sendable {
        var set: RuleSet
        var files: [LoadedFile]
        var statistics: [String: Statistics] = [:]
        /// Counts the rule sets put in force (the correlation detector follows reloads by it).
        var generation = 0
    }

    public let source: Source?
    private let state: Mutex<State>

    /// Loads the rules `source` names. Throws when a named path does not exist or the Sigma
    /// configuration cannot be read; a rule or file that cannot load is skipped, with its reason.
    public init(source: Source) throws(RuleError) {
        self.source = source
        let files = try Self.read(source)
        state = Mutex(State(set: RuleCollection.assemble(files.map(\.result)), files: files))
    }

    /// A fixed rule set (tests, tools): `reload` keeps it.
    public init(rules: RuleSet) {
        source = nil
        state = Mutex(State(set: rules, files: []))
    }

    /// The rules in force now.
    public var current: RuleSet { state.withLock { $0.set } }

    /// The rules in force now and the generation that names them (it changes with every reload).
    public var currentWithGeneration: (rules: RuleSet, generation: Int) {
        state.withLock { ($0.set, $0.generation) }
    }

    private static func read(_ source: Source) throws(RuleError) -> [LoadedFile] {
        let options = RuleCollection.Options(
            sigma: try RuleFiles.sigmaConfig(path: source.sigmaConfig), ignoreLogsource: source.ignoreLogsource)
        let paths = try RuleFiles.files(source.rules)
        // Files compile independently: on every core at once, results kept in path order.
        let results = Mutex([LoadedFile?](repeating: nil, count: paths.count))
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            let file = LoadedFile(
                result: RuleFiles.compile(file: paths[index], options: options),
                text: FileManager.default.contents(atPath: paths[index]))
            results.withLock { $0[index] = file }
        }
        return results.withLock { $0.map { $0! } }
    }

    /// Re-reads the files. A file that fails as a whole (unreadable, not YAML) keeps the rules it
    /// had; a missing path or an unreadable Sigma configuration keeps every rule as it was.
    public func reload() -> RuleReloadReport {
        guard let source else {
            let set = current
            return RuleReloadReport(loaded: set.rules.count, skipped: set.skipped.count)
        }
        let fresh: [LoadedFile]
        do {
            fresh = try Self.read(source)
        } catch {
            let set = current
            return RuleReloadReport(
                loaded: set.rules.count, skipped: set.skipped.count, failedFiles: [(error.file, error.problem)])
        }
        return state.withLock { state in
            let previous = Dictionary(state.files.map { ($0.result.path, $0) }, uniquingKeysWith: { first, _ in first })
            var failed: [(path: String, reason: String)] = []
            var changedFiles: Set<String> = []
            let files = fresh.map { file -> LoadedFile in
                let path = file.result.path
                if let failure = file.result.failure {
                    failed.append((path, failure))
                    if let old = previous[path] { return old }
                }
                if previous[path]?.text != file.text { changedFiles.insert(path) }
                return file
            }
            let set = RuleCollection.assemble(files.map(\.result))
            let before = Dictionary(state.set.rules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let after = Set(set.rules.map(\.id))
            var report = RuleReloadReport(loaded: set.rules.count, skipped: set.skipped.count, failedFiles: failed)
            for rule in set.rules {
                guard let old = before[rule.id] else {
                    report.added.append(rule.id)
                    continue
                }
                if changedFiles.contains(rule.metadata.file) || old.metadata.file != rule.metadata.file,
                    Self.signature(old) != Self.signature(rule)
                {
                    report.changed.append(rule.id)
                }
            }
            report.removed = state.set.rules.map(\.id).filter { !after.contains($0) }
            state.set = set
            state.generation += 1
            state.files = files
            return report
        }
    }

    /// `reload` on a thread of its own: reading and compiling thousands of rules takes long
    /// enough that it must not hold one of the threads that serve requests.
    public func reloadInBackground() async -> RuleReloadReport {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async { continuation.resume(returning: self.reload()) }
        }
    }

    /// What a rule does, as text: two rules with equal signatures behave the same.
    private static func signature(_ rule: Rule) -> String {
        "\(rule.title)|\(rule.severity)|\(rule.tags)|\(rule.description)|\(rule.metadata)|\(rule.scope)|\(rule.condition)"
    }

    /// Counts the alerts of committed events against their rules.
    public func record(_ alerts: some Sequence<Alert>) {
        var tally: [String: (Int, Date)] = [:]
        for alert in alerts where alert.rule.format != "ti" {
            let entry = tally[alert.ruleID]
            tally[alert.ruleID] = ((entry?.0 ?? 0) + 1, max(entry?.1 ?? alert.createdAt, alert.createdAt))
        }
        guard !tally.isEmpty else { return }
        state.withLock { state in
            for (id, (count, last)) in tally {
                state.statistics[id, default: Statistics()].matches += count
                let previous = state.statistics[id]?.lastMatch ?? last
                state.statistics[id]?.lastMatch = max(previous, last)
            }
        }
    }

    /// Adds per-rule evaluation counts and sampled costs (`RuleSet.Tally`) from one ingest call.
    func record(_ tally: RuleTally, of set: RuleSet) {
        guard !tally.isEmpty else { return }
        state.withLock { state in
            tally.visit { position, evaluations, timed, nanos in
                let id = set.rules[position].id
                state.statistics[id, default: Statistics()].evaluations += evaluations
                state.statistics[id]?.timedEvaluations += timed
                state.statistics[id]?.timedNanos += nanos
            }
        }
    }

    /// Every loaded rule, then every skipped one, with what it has done since start.
    public func catalog() -> [RuleStatus] {
        state.withLock { state in
            var list: [RuleStatus] = []
            for rule in state.set.rules {
                let statistics = state.statistics[rule.id] ?? Statistics()
                var reason: String?
                if case .noEvent(let why) = rule.scope { reason = why }
                list.append(
                    RuleStatus(
                        id: rule.id, title: rule.title, format: rule.metadata.format,
                        level: rule.metadata.level ?? rule.severity.rawValue, severity: rule.severity, tags: rule.tags,
                        author: rule.metadata.author, file: rule.metadata.file, status: "loaded", reason: reason,
                        logsource: rule.metadata.logsource, description: rule.description,
                        references: rule.metadata.references, falsePositives: rule.metadata.falsePositives,
                        matches: statistics.matches, lastMatch: statistics.lastMatch,
                        evaluations: statistics.evaluations,
                        costNanosPerEvent: statistics.timedEvaluations == 0
                            ? nil : Double(statistics.timedNanos) / Double(statistics.timedEvaluations)))
            }
            for skipped in state.set.skipped {
                list.append(
                    RuleStatus(
                        id: skipped.ruleID ?? "", title: skipped.title ?? "", format: skipped.format, level: "",
                        severity: nil, tags: [], author: "", file: skipped.file, status: "skipped",
                        reason: skipped.reason, logsource: [:], description: "", references: [], falsePositives: [],
                        matches: 0, lastMatch: nil, evaluations: 0, costNanosPerEvent: nil))
            }
            return list
        }
    }
}

/// One rule as `GET /rules` shows it.
public struct RuleStatus: Sendable {
    public var id: String
    public var title: String
    public var format: RuleFormat
    /// The level as written (`informational`) or the severity.
    public var level: String
    /// nil when the rule was skipped before its level was read.
    public var severity: Severity?
    public var tags: [String]
    public var author: String
    public var file: String
    /// `loaded` or `skipped`.
    public var status: String
    /// Why it was skipped, or why a loaded rule sees no events (its log source is not mapped).
    public var reason: String?
    public var logsource: [String: String]
    public var description: String
    public var references: [String]
    public var falsePositives: [String]
    public var matches: Int
    public var lastMatch: Date?
    /// Events the rule was evaluated on since start (after the index chose it).
    public var evaluations: Int
    /// Mean cost of one evaluation, from sampled timings; nil if never timed.
    public var costNanosPerEvent: Double?
}

/// What a reload changed.
public struct RuleReloadReport: Sendable {
    public var loaded: Int
    public var skipped: Int
    public var added: [String] = []
    public var removed: [String] = []
    public var changed: [String] = []
    /// Files that failed to parse as a whole: they kept their previous rules.
    public var failedFiles: [(path: String, reason: String)] = []

    public init(
        loaded: Int, skipped: Int, added: [String] = [], removed: [String] = [], changed: [String] = [],
        failedFiles: [(path: String, reason: String)] = []
    ) {
        self.loaded = loaded
        self.skipped = skipped
        self.added = added
        self.removed = removed
        self.changed = changed
        self.failedFiles = failedFiles
    }
}
