import Foundation
import SIEMCore
import Yams

/// Compiles rules from YAML text (no file access: callers read the files and pass their text).
///
/// Loading is strict: a YAML error, an unknown key, a bad regex, a missing or duplicate id or an
/// unknown severity is a `RuleError` that names the file, the rule and the problem.
public enum RuleLoader {
    static let ruleKeys: Set<String> = [
        "id", "title", "severity", "description", "tags", "match", "enabled", "threshold", "suppress",
    ]
    static let thresholdKeys = ["count", "within", "group_by", "distinct"]
    static let suppressKeys = ["by", "for"]
    static let matchers: Set<String> = ["contains", "equals", "regex", "startswith", "endswith", "exists"]
    static let conditionKeys: Set<String> = matchers.union(["field", "ignore_case", "any", "all", "not"])

    /// A rules file's text and the path that names it in errors.
    public struct File: Sendable {
        public var path: String
        public var text: String

        public init(path: String, text: String) {
            self.path = path
            self.text = text
        }
    }

    /// Compiles the rules of several files, in the order given; an id may appear only once in all
    /// of them. The caller reads the files (SIEMEngine's `RuleFiles` does it for siemd).
    public static func load(_ files: [File]) throws(RuleError) -> RuleSet {
        var rules: [Rule] = []
        var seen: [String: String] = [:]
        for file in files {
            for rule in try parse(yaml: file.text, file: file.path) {
                if let other = seen[rule.id] {
                    throw RuleError(file: file.path, ruleID: rule.id, problem: "duplicate id (also in \(other))")
                }
                seen[rule.id] = file.path
                rules.append(rule)
            }
        }
        return RuleSet(rules: rules)
    }

    /// Parses the rules of one YAML document. `file` only names the source in errors.
    public static func parse(yaml: String, file: String = "<rules>") throws(RuleError) -> [Rule] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw RuleError(file: file, problem: "YAML error: \(error)")
        }
        guard let root else { return [] }
        return try parse(document: root, file: file)
    }

    /// Parses the rules of one composed YAML document (a mapping with `rules`, or a list).
    public static func parse(document root: Node, file: String = "<rules>") throws(RuleError) -> [Rule] {
        let list: Node.Sequence
        if let mapping = root.mapping {
            for (key, _) in mapping where key.string != "rules" {
                throw RuleError(
                    file: file, line: key.mark?.line,
                    problem: "unknown top-level key `\(key.string ?? "?")`; expected `rules`")
            }
            guard let rulesNode = mapping["rules"] else { return [] }
            if case .scalar(let scalar) = rulesNode, scalar.tag == .init(.null) || scalar.string.isEmpty { return [] }
            guard let sequence = rulesNode.sequence else {
                throw RuleError(file: file, line: rulesNode.mark?.line, problem: "`rules` must be a list")
            }
            list = sequence
        } else if let sequence = root.sequence {
            list = sequence
        } else {
            throw RuleError(file: file, line: root.mark?.line, problem: "expected a mapping with a `rules` list")
        }
        var rules: [Rule] = []
        var seen: Set<String> = []
        for node in list {
            guard let rule = try parseRule(node, file: file) else { continue }
            guard seen.insert(rule.id).inserted else {
                throw RuleError(file: file, ruleID: rule.id, line: node.mark?.line, problem: "duplicate id")
            }
            rules.append(rule)
        }
        return rules
    }

    private static func parseRule(_ node: Node, file: String) throws(RuleError) -> Rule? {
        guard let mapping = node.mapping else {
            throw RuleError(file: file, line: node.mark?.line, problem: "each rule must be a mapping")
        }
        let id = mapping["id"]?.string?.trimmingCharacters(in: .whitespaces)
        func fail(_ problem: String, _ at: Node? = nil) -> RuleError {
            RuleError(file: file, ruleID: id, line: (at ?? node).mark?.line, problem: problem)
        }
        for (key, _) in mapping {
            let name = key.string ?? "?"
            if !ruleKeys.contains(name) {
                throw fail("unknown key `\(name)`; allowed: \(ruleKeys.sorted().joined(separator: ", "))", key)
            }
        }
        guard let id, !id.isEmpty else { throw fail("missing `id`") }
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || "_-.:".contains($0) }) else {
            throw fail("`id` may hold letters, digits and _ - . : only")
        }
        if let enabled = mapping["enabled"] {
            guard let flag = enabled.bool else { throw fail("`enabled` must be true or false", enabled) }
            if !flag { return nil }
        }
        let severityText = mapping["severity"]?.string ?? "medium"
        guard let severity = Severity(rawValue: severityText.lowercased()) else {
            throw fail("unknown severity `\(severityText)`; use low, medium, high or critical", mapping["severity"])
        }
        var tags: [String] = []
        if let tagsNode = mapping["tags"] {
            guard let sequence = tagsNode.sequence else { throw fail("`tags` must be a list of strings", tagsNode) }
            tags = sequence.compactMap(\.string)
        }
        guard let match = mapping["match"] else { throw fail("missing `match`") }
        let condition = try compile(match, fail: fail)
        var suppression: Suppression?
        if let node = mapping["suppress"] {
            let entry = try parseSuppress(node, fail: fail)
            suppression = Suppression(by: entry.by, window: entry.window)
        }
        let threshold = try mapping["threshold"].map { (node) throws(RuleError) in try parseThreshold(node, fail: fail)
        }
        return Rule(
            id: id,
            title: mapping["title"]?.string ?? id,
            severity: severity,
            description: mapping["description"]?.string ?? "",
            tags: tags,
            condition: condition,
            metadata: RuleMetadata(format: .native, file: file),
            suppression: suppression,
            threshold: threshold
        )
    }

    /// `threshold: {count: N, within: 5m, group_by: [source.ip], distinct: user.name}`.
    private static func parseThreshold(_ node: Node, fail: (String, Node?) -> RuleError) throws(RuleError)
        -> Threshold
    {
        guard let mapping = node.mapping else {
            throw fail("`threshold` must be a mapping with \(thresholdKeys.joined(separator: ", "))", node)
        }
        for (key, _) in mapping where !thresholdKeys.contains(key.string ?? "") {
            throw fail(
                "unknown threshold key `\(key.string ?? "?")`; allowed: \(thresholdKeys.joined(separator: ", "))", key)
        }
        guard let countNode = mapping["count"] else { throw fail("`threshold` needs `count`", node) }
        guard case .scalar = countNode, let count = countNode.int, count >= 1 else {
            throw fail("`threshold` → `count` must be a whole number of at least 1", countNode)
        }
        guard let withinNode = mapping["within"] else { throw fail("`threshold` needs `within`", node) }
        guard let within = withinNode.string.flatMap(Timespan.parse) else {
            throw fail("`threshold` → `within` must be \(Timespan.expected)", withinNode)
        }
        var groupBy: [String] = []
        if let groupNode = mapping["group_by"] {
            groupBy = try fieldNames(groupNode, named: "`threshold` → `group_by`", fail: fail)
        }
        var distinct: String?
        if let distinctNode = mapping["distinct"] {
            guard case .scalar(let scalar) = distinctNode, !scalar.string.isEmpty, distinctNode.null == nil else {
                throw fail("`threshold` → `distinct` must be a field name", distinctNode)
            }
            distinct = scalar.string
        }
        return Threshold(count: count, within: within, groupBy: groupBy, distinct: distinct)
    }

    /// `suppress: {by: [source.ip, user.name], for: 1h}` (native rules and the Sigma configuration).
    static func parseSuppress(_ node: Node, fail: (String, Node?) -> RuleError) throws(RuleError) -> (
        by: [String], window: TimeInterval
    ) {
        guard let mapping = node.mapping else { throw fail("`suppress` must be a mapping with `by` and `for`", node) }
        for (key, _) in mapping where !suppressKeys.contains(key.string ?? "") {
            throw fail("unknown suppress key `\(key.string ?? "?")`; allowed: by, for", key)
        }
        guard let forNode = mapping["for"] else { throw fail("`suppress` needs `for` (how long, e.g. 1h)", node) }
        guard let window = forNode.string.flatMap(Timespan.parse) else {
            throw fail("`suppress` → `for` must be \(Timespan.expected)", forNode)
        }
        let by = try mapping["by"].map { (byNode) throws(RuleError) in
            try fieldNames(byNode, named: "`suppress` → `by`", fail: fail)
        }
        return (by ?? [], window)
    }

    /// A field name or a list of them.
    private static func fieldNames(_ node: Node, named name: String, fail: (String, Node?) -> RuleError)
        throws(RuleError) -> [String]
    {
        if case .scalar(let scalar) = node, node.null == nil, !scalar.string.isEmpty { return [scalar.string] }
        guard let sequence = node.sequence else { throw fail("\(name) must be a field name or a list of them", node) }
        var names: [String] = []
        for item in sequence {
            guard case .scalar(let scalar) = item, !scalar.string.isEmpty else {
                throw fail("\(name) must list field names", item)
            }
            names.append(scalar.string)
        }
        return names
    }

    private static func compile(_ node: Node, fail: (String, Node?) -> RuleError) throws(RuleError) -> Condition {
        if let sequence = node.sequence {
            return .all(try compileList(sequence, fail: fail))
        }
        guard let mapping = node.mapping else {
            throw fail("a condition must be a mapping (`field` with `contains`/`equals`/`regex`, or `any`/`all`)", node)
        }
        for (key, _) in mapping {
            let name = key.string ?? "?"
            if !conditionKeys.contains(name) {
                throw fail(
                    "unknown condition key `\(name)`; allowed: \(conditionKeys.sorted().joined(separator: ", "))", key)
            }
        }
        let groups = ["any", "all", "not"].filter { mapping[$0] != nil }
        let used = matchers.filter { mapping[$0] != nil }.sorted()
        if groups.count + used.count != 1 {
            throw fail(
                "a condition needs exactly one of any, all, not, \(matchers.sorted().joined(separator: ", "))", node)
        }
        if let group = groups.first {
            if mapping["field"] != nil || mapping["ignore_case"] != nil {
                throw fail("`\(group)` does not take `field` or `ignore_case`", node)
            }
            let child = mapping[group]!
            if group == "not" { return .not(try compile(child, fail: fail)) }
            guard let sequence = child.sequence, !sequence.isEmpty else {
                throw fail("`\(group)` must be a non-empty list of conditions", child)
            }
            let list = try compileList(sequence, fail: fail)
            return group == "any" ? .any(list) : .all(list)
        }
        let field = FieldRef(path: mapping["field"]?.string ?? "message")
        var ignoreCase = false
        if let flag = mapping["ignore_case"] {
            guard let value = flag.bool else { throw fail("`ignore_case` must be true or false", flag) }
            ignoreCase = value
        }
        let kind = used[0]
        let valueNode = mapping[kind]!
        if kind == "exists" {
            guard let flag = valueNode.bool else { throw fail("`exists` must be true or false", valueNode) }
            return .exists(field, flag)
        }
        var values: [String]
        if let sequence = valueNode.sequence {
            values = []
            for item in sequence {
                guard case .scalar(let scalar) = item else { throw fail("`\(kind)` list items must be strings", item) }
                values.append(scalar.string)
            }
        } else if case .scalar(let scalar) = valueNode {
            values = [scalar.string]
        } else {
            throw fail("`\(kind)` takes a string or a list of strings", valueNode)
        }
        guard !values.isEmpty else { throw fail("`\(kind)` needs at least one value", valueNode) }
        let needles = values.map { Needle($0, ignoreCase: ignoreCase) }
        switch kind {
        case "contains": return .contains(field, needles)
        case "equals": return .equals(field, needles)
        case "startswith": return .startsWith(field, needles)
        case "endswith": return .endsWith(field, needles)
        default:
            let pattern = values.count == 1 ? values[0] : values.map { "(?:\($0))" }.joined(separator: "|")
            let expression: NSRegularExpression
            do {
                expression = try NSRegularExpression(pattern: pattern, options: ignoreCase ? [.caseInsensitive] : [])
            } catch {
                throw fail("bad regex `\(pattern)`: \(error.localizedDescription)", valueNode)
            }
            // One prefilter per listed pattern; if any pattern has none, the regex always runs.
            var prefilter: [Needle]? = []
            for value in values {
                guard let needles = RegexPrefilter.needles(for: value, caseInsensitive: ignoreCase) else {
                    prefilter = nil
                    break
                }
                prefilter?.append(contentsOf: needles)
            }
            return .regex(field, expression, prefilter: prefilter)
        }
    }

    private static func compileList(_ sequence: Node.Sequence, fail: (String, Node?) -> RuleError) throws(RuleError)
        -> [Condition]
    {
        var list: [Condition] = []
        for item in sequence { list.append(try compile(item, fail: fail)) }
        return list
    }

    /// Compiles one condition in native rule syntax (what `match` holds); errors name `file` and
    /// the line of the offending node. The Sigma configuration's `when` conditions use it.
    static func compileCondition(_ node: Node, file: String) throws(RuleError) -> Condition {
        try compile(node) { problem, at in RuleError(file: file, line: (at ?? node).mark?.line, problem: problem) }
    }
}
