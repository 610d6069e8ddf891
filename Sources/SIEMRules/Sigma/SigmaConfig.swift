import Foundation
import SIEMCore
import Yams

/// How Sigma rules meet siemd's events: which events each logsource means, where each Sigma field
/// is found, and the values of `|expand` placeholders. Read from one YAML file
/// (`rules/sigma/config.yml`, or `SIEM_SIGMA_CONFIG`); `empty` maps nothing.
///
/// ```yaml
/// logsources:
///   - product: windows                 # any of product, category, service (at least one)
///     when: {field: event.dataset, equals: [windows_security, powershell]}
///   - product: windows
///     category: process_creation
///     when: {any: [...]}              # a condition in native rule syntax (as under `match`)
/// fields:                              # Sigma field (any case) → event paths tried in order
///   c-ip: [fields.c-ip, source.ip]
/// placeholders:                        # `%name%` of `|expand` → values
///   known_cdcs: [dc1, 10.0.0.10]
/// suppress:                            # repeats folded into the first alert (`Suppression`)
///   rules: {<rule id>: {by: [Computer, TargetUserName], for: 1h}}
///   levels: {low: {by: [host], for: 1h}}   # a rule's id entry wins over its level's
/// ```
public struct SigmaConfig: Sendable {
    /// One logsource entry: the `product`/`category`/`service` values it covers and the
    /// condition (native rule syntax) an event must satisfy to be of that source.
    public struct Logsource: Sendable {
        /// `product`, `category` and `service` (as many as the entry names) → value.
        public var keys: [String: String]
        public var condition: Condition
        public init(keys: [String: String], condition: Condition) {
            self.keys = keys
            self.condition = condition
        }
    }

    public var logsources: [Logsource]
    /// Sigma field name, lowercased → event paths to try in order (`fields.CommandLine`, `process.command_line`).
    public var fields: [String: [String]]
    public var placeholders: [String: [String]]
    /// `suppress` → `rules`: rule id → suppression.
    public var suppressRules: [String: SuppressionEntry]
    /// `suppress` → `levels`: Sigma level (`informational` … `critical`) → suppression.
    public var suppressLevels: [String: SuppressionEntry]

    /// One `suppress` entry: the Sigma field names repeats are grouped by, and the window.
    public struct SuppressionEntry: Sendable, Hashable {
        public var by: [String]
        /// Seconds.
        public var window: TimeInterval

        public init(by: [String], window: TimeInterval) {
            self.by = by
            self.window = window
        }
    }

    public init(
        logsources: [Logsource] = [], fields: [String: [String]] = [:], placeholders: [String: [String]] = [:],
        suppressRules: [String: SuppressionEntry] = [:], suppressLevels: [String: SuppressionEntry] = [:]
    ) {
        self.logsources = logsources
        self.fields = fields
        self.placeholders = placeholders
        self.suppressRules = suppressRules
        self.suppressLevels = suppressLevels
    }

    /// The suppression of a Sigma rule (or correlation) with this id and level: its `rules` entry,
    /// else its level's (`informational` falls back to `low`), else none. Field names resolve as a
    /// correlation's group-by fields do (the `fields` mapping, else the event's field, else the
    /// event path of that name).
    public func suppression(forRule id: String, level: String?) -> Suppression? {
        let level = level?.lowercased() ?? "medium"
        guard
            let entry = suppressRules[id] ?? suppressLevels[level]
                ?? (level == "informational" ? suppressLevels["low"] : nil)
        else { return nil }
        return Suppression(
            by: entry.by, window: entry.window,
            fields: entry.by.map { SigmaCorrelationCompiler.reference(for: $0, config: self) })
    }

    public static let empty = SigmaConfig()

    /// The logsource keys that select entries; others (`definition`, …) are ignored.
    static let logsourceKeys = ["product", "category", "service"]

    /// The event paths for a Sigma field name: the configured ones, else `fields.<name>`.
    public func paths(for field: String) -> [String] {
        fields[field.lowercased()] ?? ["fields.\(field)"]
    }

    /// The values of an `|expand` placeholder (`%name%` → `name`), nil when the configuration has none.
    public func placeholder(_ name: String) -> [String]? {
        placeholders[name] ?? placeholders[name.lowercased()]
    }

    /// Which events a rule with this `logsource` is evaluated on.
    ///
    /// An entry applies when each of its keys equals the rule's value for it (case-insensitive).
    /// Of the applying entries, one whose keys are a strict subset of another's is dropped (the
    /// more specific wins: `product: windows` gives way to `product: windows, category:
    /// process_creation`); the scope is the AND of the rest. When some `product`, `category` or
    /// `service` of the rule is covered by no applying entry, the rule sees no event. Rules with
    /// the same applying entries get the same `key`, so their condition is evaluated once per event.
    public func scope(for logsource: [String: String]) -> RuleScope {
        var wanted: [String: String] = [:]
        for (key, value) in logsource where Self.logsourceKeys.contains(key.lowercased()) {
            wanted[key.lowercased()] = value.lowercased()
        }
        let applying = logsources.indices.filter { index in
            logsources[index].keys.allSatisfy { wanted[$0.key.lowercased()] == $0.value.lowercased() }
        }
        let names = applying.map { Set(logsources[$0].keys.keys.map { $0.lowercased() }) }
        let kept = applying.indices.filter { position in
            !names.indices.contains { other in other != position && names[position].isStrictSubset(of: names[other]) }
        }
        let covered = kept.reduce(into: Set<String>()) { $0.formUnion(names[$1]) }
        let missing = Self.logsourceKeys.filter { wanted[$0] != nil && !covered.contains($0) }
        if !missing.isEmpty {
            return .noEvent(
                reason: "the Sigma configuration maps no log source for \(Self.describe(wanted, only: missing))"
                    + " (logsource \(Self.describe(wanted)))")
        }
        let entries = kept.map { logsources[applying[$0]] }
        guard let first = entries.first else { return .everyEvent }
        let key = entries.map { Self.describe($0.keys) }.joined(separator: " & ")
        return .logsource(key: key, entries.count == 1 ? first.condition : .all(entries.map(\.condition)))
    }

    /// `category=process_creation product=windows`, in the order product, category, service.
    static func describe(_ keys: [String: String], only: [String]? = nil) -> String {
        let lowered = Dictionary(keys.map { ($0.key.lowercased(), $0.value.lowercased()) }) { first, _ in first }
        return (only ?? logsourceKeys).compactMap { name in lowered[name].map { "\(name)=\($0)" } }
            .joined(separator: " ")
    }
}

extension SigmaConfig {
    static let topLevelKeys = ["logsources", "fields", "placeholders", "suppress"]
    static let levels = ["informational", "low", "medium", "high", "critical"]
    static let entryKeys = logsourceKeys + ["when"]

    /// Parses a configuration file strictly: a YAML error, an unknown key, an entry without a
    /// product, category or service, a repeated entry or field, or a bad `when` condition is a
    /// `RuleError` naming `file` and the line. `file` only names the source in errors.
    public static func parse(yaml: String, file: String) throws(RuleError) -> SigmaConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw RuleError(file: file, problem: "YAML error: \(error)")
        }
        guard let root, !isNull(root) else { return .empty }
        guard let mapping = root.mapping else {
            throw RuleError(
                file: file, line: root.mark?.line,
                problem: "expected a mapping with `logsources`, `fields`, `placeholders`, `suppress`")
        }
        for (key, _) in mapping where !topLevelKeys.contains(key.string ?? "") {
            throw RuleError(
                file: file, line: key.mark?.line,
                problem:
                    "unknown top-level key `\(key.string ?? "?")`; allowed: \(topLevelKeys.joined(separator: ", "))")
        }
        var config = SigmaConfig()
        if let node = mapping["logsources"], !isNull(node) {
            config.logsources = try parseLogsources(node, file: file)
        }
        if let node = mapping["fields"], !isNull(node) {
            config.fields = try parseLists(node, named: "fields", file: file, lowercasingKeys: true, allowEmpty: false)
        }
        if let node = mapping["placeholders"], !isNull(node) {
            config.placeholders = try parseLists(
                node, named: "placeholders", file: file, lowercasingKeys: false, allowEmpty: true)
        }
        if let node = mapping["suppress"], !isNull(node) {
            try parseSuppress(node, into: &config, file: file)
        }
        return config
    }

    /// `suppress: {rules: {<id>: {by, for}}, levels: {<level>: {by, for}}}`.
    private static func parseSuppress(_ node: Node, into config: inout SigmaConfig, file: String) throws(RuleError) {
        func fail(_ problem: String, _ at: Node) -> RuleError {
            RuleError(file: file, line: at.mark?.line, problem: problem)
        }
        guard let mapping = node.mapping else {
            throw fail("`suppress` must be a mapping with `rules`, `levels`", node)
        }
        for (key, value) in mapping {
            guard let section = key.string, section == "rules" || section == "levels" else {
                throw fail("unknown `suppress` key `\(key.string ?? "?")`; allowed: levels, rules", key)
            }
            if isNull(value) { continue }
            guard let entries = value.mapping else {
                throw fail(
                    "`suppress` → `\(section)` must map \(section == "rules" ? "rule ids" : "levels") to entries", value
                )
            }
            for (nameNode, entryNode) in entries {
                guard let name = nameNode.string, !name.isEmpty else { throw fail("a name must be a string", nameNode) }
                let entry = try RuleLoader.parseSuppress(entryNode) { problem, at in
                    fail("`suppress` → `\(section)` → `\(name)`: \(problem)", at ?? entryNode)
                }
                if section == "rules" {
                    guard config.suppressRules[name] == nil else {
                        throw fail("rule `\(name)` is listed twice", nameNode)
                    }
                    config.suppressRules[name] = SuppressionEntry(by: entry.by, window: entry.window)
                } else {
                    let level = name.lowercased()
                    guard levels.contains(level) else {
                        throw fail("unknown level `\(name)`; use \(levels.joined(separator: ", "))", nameNode)
                    }
                    guard config.suppressLevels[level] == nil else {
                        throw fail("level `\(name)` is listed twice", nameNode)
                    }
                    config.suppressLevels[level] = SuppressionEntry(by: entry.by, window: entry.window)
                }
            }
        }
    }

    private static func parseLogsources(_ node: Node, file: String) throws(RuleError) -> [Logsource] {
        guard let sequence = node.sequence else {
            throw RuleError(file: file, line: node.mark?.line, problem: "`logsources` must be a list of entries")
        }
        var entries: [Logsource] = []
        var seen: [String: Int] = [:]
        for item in sequence {
            func fail(_ problem: String, _ at: Node? = nil) -> RuleError {
                RuleError(file: file, line: (at ?? item).mark?.line, problem: problem)
            }
            guard let entry = item.mapping else { throw fail("each logsource entry must be a mapping") }
            var keys: [String: String] = [:]
            for (key, value) in entry {
                let name = key.string ?? "?"
                guard entryKeys.contains(name) else {
                    throw fail("unknown logsource key `\(name)`; allowed: \(entryKeys.joined(separator: ", "))", key)
                }
                if name == "when" { continue }
                guard case .scalar(let scalar) = value, !scalar.string.isEmpty else {
                    throw fail("`\(name)` must be a non-empty string", value)
                }
                keys[name] = scalar.string.lowercased()
            }
            guard !keys.isEmpty else { throw fail("a logsource entry needs a product, category or service") }
            guard let when = entry["when"] else {
                throw fail("logsource \(describe(keys)) needs `when` (the condition its events satisfy)")
            }
            let described = describe(keys)
            if let line = seen[described] {
                throw fail("logsource \(described) is listed twice (also at line \(line))")
            }
            seen[described] = item.mark?.line ?? 0
            entries.append(Logsource(keys: keys, condition: try RuleLoader.compileCondition(when, file: file)))
        }
        return entries
    }

    /// A mapping of names to lists of strings (a single string counts as a list of one).
    private static func parseLists(
        _ node: Node, named section: String, file: String, lowercasingKeys: Bool, allowEmpty: Bool
    ) throws(RuleError) -> [String: [String]] {
        guard let mapping = node.mapping else {
            throw RuleError(
                file: file, line: node.mark?.line, problem: "`\(section)` must be a mapping of names to lists")
        }
        var result: [String: [String]] = [:]
        for (key, value) in mapping {
            func fail(_ problem: String, _ at: Node) -> RuleError {
                RuleError(file: file, line: at.mark?.line, problem: problem)
            }
            guard let written = key.string, !written.isEmpty else {
                throw fail("`\(section)` names must be strings", key)
            }
            let name = lowercasingKeys ? written.lowercased() : written
            guard result[name] == nil else { throw fail("`\(written)` is listed twice in `\(section)`", key) }
            var values: [String] = []
            if case .scalar(let scalar) = value, !isNull(value) {
                values = [scalar.string]
            } else if let sequence = value.sequence {
                for item in sequence {
                    guard case .scalar(let scalar) = item else {
                        throw fail("`\(section)` → `\(written)` must list strings", item)
                    }
                    values.append(scalar.string)
                }
            } else if !isNull(value) {
                throw fail("`\(section)` → `\(written)` takes a string or a list of strings", value)
            }
            if section == "fields", let empty = values.first(where: \.isEmpty) {
                throw fail("`fields` → `\(written)` has an empty path `\(empty)`", value)
            }
            if values.isEmpty, !allowEmpty { throw fail("`\(section)` → `\(written)` needs at least one value", value) }
            result[name] = values
        }
        return result
    }

    private static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        return scalar.tag == .init(.null) || (scalar.string.isEmpty && scalar.style == .plain) || scalar.string == "~"
    }
}
