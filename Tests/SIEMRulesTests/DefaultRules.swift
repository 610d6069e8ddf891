import Foundation
import SIEMRules
import SIEMTestSupport

/// `rules/default.yml`, read here and compiled by the loader (which reads no files itself).
enum DefaultRules {
    static let path = TestData.repositoryRoot.appendingPathComponent("rules/default.yml").path

    static func load() throws -> RuleSet {
        try load(path: path)
    }

    /// The file's native rules and the Sigma correlation documents after them; nothing in it may
    /// be skipped.
    static func load(path: String) throws -> RuleSet {
        let set = RuleCollection.load([
            RuleLoader.File(path: path, text: try String(contentsOfFile: path, encoding: .utf8))
        ])
        if let skipped = set.skipped.first {
            throw RuleError(file: path, problem: "\(skipped.ruleID ?? "?"): \(skipped.reason)")
        }
        return set
    }

    /// The rules the quality measurements run: `rules/default.yml`, or the file `SIEM_RULES_FILE`
    /// names (to measure another version of the rules, as the figures before a change were).
    static func measured() throws -> (path: String, rules: RuleSet) {
        let chosen = ProcessInfo.processInfo.environment["SIEM_RULES_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? path
        return (chosen, try load(path: chosen))
    }
}
