import Foundation
import SIEMEngine
import SIEMRules
import SIEMTestSupport
import Testing

@Suite struct RuleFilesTests {
    @Test func folderLoadsInNameOrderAndRejectsDuplicatesAcrossFiles() throws {
        let directory = try TemporaryDirectory(prefix: "rules")
        try "rules:\n  - id: b\n    match: {contains: x}\n".write(
            toFile: directory.path("b.yml"), atomically: true, encoding: .utf8)
        try "rules:\n  - id: a\n    match: {contains: x}\n".write(
            toFile: directory.path("a.yaml"), atomically: true, encoding: .utf8)
        try "not rules".write(toFile: directory.path("README.md"), atomically: true, encoding: .utf8)
        #expect(try RuleFiles.load(path: directory.url.path).rules.map(\.id) == ["a", "b"])
        try "rules:\n  - id: a\n    match: {contains: y}\n".write(
            toFile: directory.path("c.yml"), atomically: true, encoding: .utf8)
        #expect(throws: RuleError.self) { try RuleFiles.load(path: directory.url.path) }
        #expect(throws: RuleError.self) { try RuleFiles.load(path: directory.path("none.yml")) }
    }

    @Test func defaultRulesFileLoads() throws {
        let set = try RuleFiles.load(path: TestData.repositoryRoot.appendingPathComponent("rules/default.yml").path)
        #expect(set.rules.count >= 12)
    }
}
