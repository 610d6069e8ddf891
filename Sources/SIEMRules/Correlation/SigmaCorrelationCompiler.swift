import Foundation
import SIEMCore
import Yams

/// Compiles one Sigma correlation rule document (`correlation:`) into a `CorrelationRule` whose
/// references are not resolved yet: `inputNames` holds them as written and `inputs` is empty until
/// `RuleCollection.assemble` resolves them across every loaded file.
public enum SigmaCorrelationCompiler {
    public enum Outcome: Sendable {
        case correlation(CorrelationRule)
        case skipped(SkippedRule)
    }

    static let types: [String: CorrelationRule.Kind] = [
        "event_count": .eventCount, "value_count": .valueCount(field: ""), "temporal": .temporal,
        "temporal_ordered": .temporalOrdered,
    ]

    /// Whether `document` is a Sigma correlation rule.
    public static func isCorrelation(_ document: Node) -> Bool {
        document.mapping?["correlation"] != nil
    }

    public static func compile(_ document: Node, file: String, config: SigmaConfig) -> Outcome {
        guard let mapping = document.mapping else {
            return .skipped(SkippedRule(file: file, format: .sigma, reason: "a Sigma rule must be a mapping"))
        }
        let name = mapping["name"]?.string?.trimmingCharacters(in: .whitespaces)
        let writtenID = mapping["id"]?.string?.trimmingCharacters(in: .whitespaces)
        let id = writtenID.flatMap { $0.isEmpty ? nil : $0 } ?? name
        let title = mapping["title"]?.string
        func skip(_ reason: String) -> Outcome {
            .skipped(SkippedRule(file: file, ruleID: id, title: title, format: .sigma, reason: reason))
        }
        let status = mapping["status"]?.string?.lowercased()
        if let status, ["deprecated", "unsupported"].contains(status) { return skip("status is \(status)") }
        guard let id, !id.isEmpty else { return skip("a correlation rule needs an `id` or a `name`") }
        guard let section = mapping["correlation"]?.mapping else { return skip("`correlation` must be a mapping") }
        let level = mapping["level"]?.string?.lowercased()
        guard let severity = SigmaCorrelationCompiler.severity(level) else {
            return skip("unknown level `\(level ?? "")`; use informational, low, medium, high or critical")
        }
        guard let typeName = section["type"]?.string else { return skip("`correlation` needs a `type`") }
        guard var kind = types[typeName] else {
            return skip(
                "unsupported correlation type `\(typeName)`; supported: \(types.keys.sorted().joined(separator: ", "))")
        }
        guard let references = strings(section["rules"]), !references.isEmpty else {
            return skip("`correlation` → `rules` must name at least one rule (by name or id)")
        }
        guard let groupBy = strings(section["group-by"]) ?? (section["group-by"] == nil ? [] : nil) else {
            return skip("`group-by` must be a field name or a list of them")
        }
        guard let timespanNode = section["timespan"] ?? section["timeframe"] else {
            return skip("`correlation` needs a `timespan`")
        }
        guard let timespanText = timespanNode.string, let timespan = Timespan.parse(timespanText) else {
            return skip("bad timespan `\(timespanNode.string ?? "?")`: expected \(Timespan.expected)")
        }
        var aliases: [String: [String: String]] = [:]
        if let node = section["aliases"] {
            guard let aliasMapping = node.mapping else { return skip("`aliases` must be a mapping") }
            for (aliasKey, targets) in aliasMapping {
                guard let alias = aliasKey.string, let targetMapping = targets.mapping else {
                    return skip("each alias must map rule names to field names")
                }
                var perRule: [String: String] = [:]
                for (ruleKey, fieldNode) in targetMapping {
                    guard let rule = ruleKey.string, let field = fieldNode.string, !field.isEmpty else {
                        return skip("alias `\(alias)` must map rule names to field names")
                    }
                    perRule[rule] = field
                }
                aliases[alias] = perRule
            }
        }
        var generate = false
        for node in [mapping["generate"], section["generate"]] {
            guard let node else { continue }
            guard let flag = node.bool else { return skip("`generate` must be true or false") }
            generate = generate || flag
        }
        let condition: CorrelationCondition
        switch parseCondition(section["condition"], kind: kind, references: references.count) {
        case .failure(let error): return skip(error.reason)
        case .success(let (parsed, field)):
            condition = parsed
            if let field { kind = .valueCount(field: field) }
        }
        var fieldNames = Set(groupBy)
        for perRule in aliases.values { fieldNames.formUnion(perRule.values) }
        if case .valueCount(let field) = kind { fieldNames.insert(field) }
        var fieldReferences: [String: FieldRef] = [:]
        for field in fieldNames { fieldReferences[field] = reference(for: field, config: config) }
        let metadata = RuleMetadata(
            format: .sigma, file: file, author: mapping["author"]?.string ?? "",
            references: strings(mapping["references"]) ?? [], falsePositives: strings(mapping["falsepositives"]) ?? [],
            status: status, level: level, name: name)
        return .correlation(
            CorrelationRule(
                id: id, title: title ?? id, severity: severity, description: mapping["description"]?.string ?? "",
                tags: strings(mapping["tags"]) ?? [], metadata: metadata, kind: kind, inputs: [],
                inputNames: references,
                groupBy: groupBy, aliases: aliases, timespan: timespan, condition: condition, generate: generate,
                suppression: config.suppression(forRule: id, level: level), fieldReferences: fieldReferences))
    }

    /// Sigma levels as severities (`informational` is `low`); nil for an unknown level.
    static func severity(_ level: String?) -> Severity? {
        switch level ?? "medium" {
        case "informational", "low": .low
        case "medium": .medium
        case "high": .high
        case "critical": .critical
        default: nil
        }
    }

    /// Where a Sigma field name of a correlation (group-by, alias target, value_count field) or of
    /// a suppression is read: as the Sigma configuration maps it; else the event's field of that
    /// name (any case), then the event path of that name (`host`, `source.ip`, …).
    static func reference(for name: String, config: SigmaConfig) -> FieldRef {
        let sigma = SigmaDetection.reference(for: name, config: config)
        if config.fields[name.lowercased()] != nil { return sigma }
        return .firstPresent([sigma, FieldRef(path: name)])
    }

    /// The condition (and, for `value_count`, its `field`): a mapping of one operator, or of two
    /// that bound a range (`gt: 100, lte: 200`). `temporal` kinds default to every referenced rule.
    static func parseCondition(_ node: Node?, kind: CorrelationRule.Kind, references: Int) -> Result<
        (CorrelationCondition, String?), SigmaCompileError
    > {
        let temporal = kind == .temporal || kind == .temporalOrdered
        guard let node else {
            if temporal { return .success((.atLeast(references), nil)) }
            return .failure(SigmaCompileError("`correlation` needs a `condition`"))
        }
        guard let mapping = node.mapping else {
            return .failure(SigmaCompileError("`condition` must be a mapping of gt, gte, lt, lte or eq to a number"))
        }
        var terms: [CorrelationCondition.Term] = []
        var field: String?
        for (key, value) in mapping {
            guard let name = key.string else { return .failure(SigmaCompileError("bad condition key")) }
            if name == "field" {
                guard let text = value.string, !text.isEmpty else {
                    return .failure(SigmaCompileError("`condition` → `field` must be a field name"))
                }
                field = text
                continue
            }
            guard let op = CorrelationCondition.Operator(rawValue: name) else {
                return .failure(
                    SigmaCompileError("unknown condition operator `\(name)`; use gt, gte, lt, lte or eq"))
            }
            guard case .scalar = value, let number = value.int, number >= 0 else {
                return .failure(
                    SigmaCompileError("condition `\(name)` needs a whole number, not `\(value.string ?? "?")`"))
            }
            terms.append(CorrelationCondition.Term(op, number))
        }
        guard !terms.isEmpty else { return .failure(SigmaCompileError("`condition` has no operator")) }
        if terms.count > 2 {
            return .failure(SigmaCompileError("`condition` takes one operator, or two that bound a range"))
        }
        if terms.count == 2 {
            let lower = terms.filter { $0.op == .gt || $0.op == .gte }.count
            let upper = terms.filter { $0.op == .lt || $0.op == .lte }.count
            guard lower == 1, upper == 1 else {
                return .failure(
                    SigmaCompileError("a range condition needs one of gt/gte and one of lt/lte"))
            }
        }
        if case .valueCount = kind {
            guard let field else { return .failure(SigmaCompileError("value_count needs `condition` → `field`")) }
            return .success((CorrelationCondition(terms), field))
        }
        if field != nil {
            return .failure(SigmaCompileError("`condition` → `field` is for value_count only"))
        }
        return .success((CorrelationCondition(terms), nil))
    }

    /// A string or a list of strings, as a list; nil when the node is something else.
    static func strings(_ node: Node?) -> [String]? {
        guard let node else { return nil }
        if let sequence = node.sequence {
            let items = sequence.compactMap(\.string)
            return items.count == sequence.count ? items : nil
        }
        if case .scalar = node, node.null == nil, let text = node.string { return [text] }
        return nil
    }
}
