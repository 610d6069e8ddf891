import SIEMCore
import Yams

/// Loads native and Sigma rules side by side, forgivingly: a rule that cannot load is skipped with
/// its reason and never stops the others. Native rules stay strict inside their own document (one
/// bad native rule skips that document's native rules, with the error); a Sigma rule is skipped
/// alone. Pure: callers read the files and pass their text (SIEMEngine's `RuleFiles`).
public enum RuleCollection {
    /// What one file gave.
    public struct FileResult: Sendable {
        public var path: String
        public var rules: [Rule]
        /// Sigma correlation rules, their references not resolved yet (`assemble` resolves them
        /// across every file).
        public var correlations: [CorrelationRule]
        public var skipped: [SkippedRule]
        /// Set when the file as a whole could not be read or parsed as YAML: it gave nothing, and a
        /// reload keeps that file's previous rules.
        public var failure: String?

        public init(
            path: String, rules: [Rule] = [], skipped: [SkippedRule] = [], failure: String? = nil,
            correlations: [CorrelationRule] = []
        ) {
            self.path = path
            self.rules = rules
            self.correlations = correlations
            self.skipped = skipped
            self.failure = failure
        }
    }

    /// Options that change how Sigma rules compile.
    public struct Options: Sendable {
        public var sigma: SigmaConfig
        /// Evaluate every Sigma rule's detection on every event (the conformance data's definition).
        public var ignoreLogsource: Bool

        public init(sigma: SigmaConfig = .empty, ignoreLogsource: Bool = false) {
            self.sigma = sigma
            self.ignoreLogsource = ignoreLogsource
        }
    }

    /// Compiles every YAML document of one file (`---` separates documents).
    public static func compile(_ file: RuleLoader.File, options: Options = Options()) -> FileResult {
        var result = FileResult(path: file.path)
        let documents: [Node]
        do {
            var sequence = try Yams.compose_all(yaml: file.text)
            var nodes: [Node] = []
            while let node = sequence.next() { nodes.append(node) }
            // The sequence ends at a parse error and keeps it rather than throwing.
            if let error = sequence.error { throw error }
            documents = nodes
        } catch {
            result.failure = "YAML error: \(error)"
            result.skipped.append(SkippedRule(file: file.path, format: .native, reason: result.failure!))
            return result
        }
        for document in documents {
            if SigmaCorrelationCompiler.isCorrelation(document) {
                switch SigmaCorrelationCompiler.compile(document, file: file.path, config: options.sigma) {
                case .correlation(let correlation): result.correlations.append(correlation)
                case .skipped(let skipped): result.skipped.append(skipped)
                }
                continue
            }
            if SigmaRuleCompiler.isSigma(document) {
                switch SigmaRuleCompiler.compile(
                    document, file: file.path, config: options.sigma, ignoreLogsource: options.ignoreLogsource)
                {
                case .rule(var rule):
                    rule.suppression = options.sigma.suppression(forRule: rule.id, level: rule.metadata.level)
                    result.rules.append(rule)
                case .skipped(let skipped): result.skipped.append(skipped)
                }
                continue
            }
            if case .scalar(let scalar) = document, scalar.string.isEmpty || scalar.tag == .init(.null) { continue }
            // A Sigma configuration inside a rules folder is not a rules document.
            if let mapping = document.mapping, !mapping.isEmpty,
                mapping.keys.allSatisfy({ SigmaConfig.topLevelKeys.contains($0.string ?? "") })
            {
                continue
            }
            do {
                result.rules += try RuleLoader.parse(document: document, file: file.path)
            } catch {
                let title = document.mapping?["title"]?.string
                result.skipped.append(
                    SkippedRule(
                        file: file.path, ruleID: error.ruleID, title: title, format: .native,
                        reason: (error.line.map { "line \($0): " } ?? "") + error.problem))
            }
        }
        return result
    }

    /// The rule set of several files' results, in the order given. An id already loaded from an
    /// earlier rule is skipped as a duplicate. Sigma correlations are resolved last, over the rules
    /// of every file (`CorrelationResolver`).
    public static func assemble(_ results: [FileResult]) -> RuleSet {
        var rules: [Rule] = []
        var skipped: [SkippedRule] = []
        var seen: [String: String] = [:]
        for result in results {
            for rule in result.rules {
                if let other = seen[rule.id] {
                    skipped.append(
                        SkippedRule(
                            file: result.path, ruleID: rule.id, title: rule.title, format: rule.metadata.format,
                            reason: "duplicate id (also in \(other))"))
                    continue
                }
                seen[rule.id] = result.path
                rules.append(rule)
            }
            skipped += result.skipped
        }
        let resolved = CorrelationResolver.resolve(results.flatMap(\.correlations), rules: rules)
        return RuleSet(rules: rules, skipped: skipped + resolved.skipped, correlations: resolved.correlations)
    }

    /// Compiles and assembles files in one step.
    public static func load(_ files: [RuleLoader.File], options: Options = Options()) -> RuleSet {
        assemble(files.map { compile($0, options: options) })
    }
}
