import SIEMCore
import Yams

/// Compiles one Sigma rule (one YAML document with `detection:` and `logsource:`) into a `Rule`,
/// or says why it is skipped.
public enum SigmaRuleCompiler {
    public enum Outcome: Sendable {
        case rule(Rule)
        case skipped(SkippedRule)
    }

    /// Whether a YAML document is a Sigma rule (a mapping with `detection` and `logsource`) or a
    /// Sigma correlation rule (`correlation`).
    public static func isSigma(_ document: Node) -> Bool {
        guard let mapping = document.mapping else { return false }
        return (mapping["detection"] != nil && mapping["logsource"] != nil) || mapping["correlation"] != nil
    }

    /// Compiles `document`; with `ignoreLogsource` the rule's scope is every event.
    public static func compile(_ document: Node, file: String, config: SigmaConfig, ignoreLogsource: Bool) -> Outcome {
        guard let mapping = document.mapping else {
            return .skipped(SkippedRule(file: file, format: .sigma, reason: "a Sigma rule must be a mapping"))
        }
        let id = mapping["id"]?.string?.trimmingCharacters(in: .whitespaces)
        let title = mapping["title"]?.string
        func skip(_ reason: String) -> Outcome {
            .skipped(SkippedRule(file: file, ruleID: id, title: title, format: .sigma, reason: reason))
        }
        if mapping["correlation"] != nil {
            return skip(
                "a correlation rule, not a detection rule (RuleCollection loads it with SigmaCorrelationCompiler)")
        }
        let status = mapping["status"]?.string?.lowercased()
        if let status, ["deprecated", "unsupported"].contains(status) { return skip("status is \(status)") }
        guard let id, !id.isEmpty else { return skip("missing `id`") }
        guard let detection = mapping["detection"] else { return skip("missing `detection`") }
        let level = mapping["level"]?.string?.lowercased()
        let severity: Severity
        switch level ?? "medium" {
        case "informational", "low": severity = .low
        case "medium": severity = .medium
        case "high": severity = .high
        case "critical": severity = .critical
        default: return skip("unknown level `\(level ?? "")`; use informational, low, medium, high or critical")
        }
        let condition: Condition
        do {
            condition = try SigmaDetection.compile(detection, config: config)
        } catch {
            return skip(error.reason)
        }
        var logsource: [String: String] = [:]
        for (key, value) in mapping["logsource"]?.mapping ?? [:] {
            if let name = key.string, let text = value.string { logsource[name] = text }
        }
        let metadata = RuleMetadata(
            format: .sigma, file: file, author: mapping["author"]?.string ?? "",
            references: strings(mapping["references"]), falsePositives: strings(mapping["falsepositives"]),
            status: status, level: level, logsource: logsource, name: mapping["name"]?.string)
        return .rule(
            Rule(
                id: id, title: title ?? id, severity: severity, description: mapping["description"]?.string ?? "",
                tags: strings(mapping["tags"]), condition: condition, metadata: metadata,
                scope: ignoreLogsource ? .everyEvent : config.scope(for: logsource)))
    }

    /// A string or a list of strings, as a list.
    private static func strings(_ node: Node?) -> [String] {
        guard let node else { return [] }
        if let sequence = node.sequence { return sequence.compactMap(\.string) }
        if case .scalar = node, node.null == nil, let text = node.string { return [text] }
        return []
    }
}
