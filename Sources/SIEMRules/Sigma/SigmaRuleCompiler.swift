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
        let mapping = document.mapping
        return .skipped(
            SkippedRule(
                file: file, ruleID: mapping?["id"]?.string, title: mapping?["title"]?.string, format: .sigma,
                reason: "the Sigma compiler is not in this build"))
    }
}
