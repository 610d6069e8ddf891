import Foundation
import SIEMRules
import SIEMTestSupport

/// `rules/default.yml`, read here and compiled by the loader (which reads no files itself).
enum DefaultRules {
    static let path = TestData.repositoryRoot.appendingPathComponent("rules/default.yml").path

    static func load() throws -> RuleSet {
        try RuleLoader.load([RuleLoader.File(path: path, text: try String(contentsOfFile: path, encoding: .utf8))])
    }
}
