import Foundation
import SIEMCore
import SIEMEngine
import SIEMRules
import SIEMStore
import SIEMTestSupport
import Testing

@Suite struct RuleFilesTests {
    private func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func foldersLoadRecursivelyInPathOrderAndDuplicatesAreSkipped() throws {
        let directory = try TemporaryDirectory(prefix: "rules")
        try write("rules:\n  - id: b\n    match: {contains: x}\n", directory.path("b.yml"))
        try write("rules:\n  - id: a\n    match: {contains: x}\n", directory.path("a.yaml"))
        try write("rules:\n  - id: nested\n    match: {contains: x}\n", directory.path("a/z/deep.yml"))
        try write("not rules", directory.path("README.md"))
        var set = try RuleFiles.load(path: directory.url.path)
        // Bytewise path order: "a.yaml" < "a/z/deep.yml" < "b.yml".
        #expect(set.rules.map(\.id) == ["a", "nested", "b"])
        #expect(set.skipped.isEmpty)
        try write("rules:\n  - id: a\n    match: {contains: y}\n", directory.path("c.yml"))
        set = try RuleFiles.load(path: directory.url.path)
        #expect(set.rules.map(\.id) == ["a", "nested", "b"])
        let duplicate = try #require(set.skipped.first)
        #expect(duplicate.ruleID == "a")
        #expect(duplicate.file == directory.path("c.yml"))
        #expect(duplicate.reason.contains("duplicate id"))
        #expect(throws: RuleError.self) { try RuleFiles.load(path: directory.path("none.yml")) }
    }

    @Test func severalPathsSeparatedByCommas() throws {
        let directory = try TemporaryDirectory(prefix: "rules")
        try write("rules:\n  - id: one\n    match: {contains: x}\n", directory.path("one.yml"))
        try write("rules:\n  - id: two\n    match: {contains: x}\n", directory.path("more/two.yml"))
        let set = try RuleFiles.load(path: "\(directory.path("more")) , \(directory.path("one.yml")),")
        #expect(set.rules.map(\.id) == ["two", "one"])
        #expect(throws: RuleError.self) { try RuleFiles.load(path: "\(directory.path("one.yml")),/nonexistent") }
    }

    @Test func multiDocumentFilesAndBrokenDocumentsSkipWithReasons() throws {
        let directory = try TemporaryDirectory(prefix: "rules")
        try write(
            """
            rules:
              - id: first
                match: {contains: x}
            ---
            rules:
              - id: strict-a
                match: {contains: x}
              - id: strict-b
                severity: urgent
                match: {contains: x}
            ---
            rules:
              - id: third
                match: {contains: y}
            """, directory.path("multi.yml"))
        try write("rules: [unclosed", directory.path("zz-broken.yml"))
        let set = try RuleFiles.load(path: directory.url.path)
        // One bad native rule skips its document (native strictness), not the file's other documents.
        #expect(set.rules.map(\.id) == ["first", "third"])
        #expect(set.skipped.count == 2)
        #expect(set.skipped[0].ruleID == "strict-b")
        #expect(set.skipped[0].reason.contains("urgent"))
        #expect(set.skipped[1].file == directory.path("zz-broken.yml"))
        #expect(set.skipped[1].reason.contains("YAML"))
    }

    @Test func defaultRulesFileLoads() throws {
        let set = try RuleFiles.load(path: TestData.repositoryRoot.appendingPathComponent("rules/default.yml").path)
        #expect(set.rules.count >= 12)
        #expect(set.skipped.isEmpty)
        #expect(set.rules.allSatisfy { $0.metadata.format == .native && $0.metadata.file.hasSuffix("default.yml") })
    }
}

@Suite struct RuleServiceTests {
    @Test func reloadReportsWhatChangedAndKeepsAFileThatFailsToParse() throws {
        let directory = try TemporaryDirectory(prefix: "rules")
        let one = directory.path("one.yml")
        let two = directory.path("two.yml")
        try "rules:\n  - id: keep\n    match: {contains: k}\n  - id: edit\n    match: {contains: e}\n".write(
            toFile: one, atomically: true, encoding: .utf8)
        try "rules:\n  - id: gone\n    match: {contains: g}\n".write(toFile: two, atomically: true, encoding: .utf8)
        let service = try RuleService(source: .init(rules: directory.url.path))
        #expect(service.current.rules.map(\.id) == ["keep", "edit", "gone"])

        try
            "rules:\n  - id: keep\n    match: {contains: k}\n  - id: edit\n    match: {contains: changed}\n  - id: new\n    match: {contains: n}\n"
            .write(toFile: one, atomically: true, encoding: .utf8)
        try "rules: []\n".write(toFile: two, atomically: true, encoding: .utf8)
        var report = service.reload()
        #expect(report.added == ["new"])
        #expect(report.removed == ["gone"])
        #expect(report.changed == ["edit"])
        #expect(report.failedFiles.isEmpty)
        #expect(service.current.rules.map(\.id) == ["keep", "edit", "new"])

        // A file that no longer parses keeps the rules it had.
        try "rules: [broken".write(toFile: one, atomically: true, encoding: .utf8)
        report = service.reload()
        #expect(report.failedFiles.map(\.path) == [one])
        #expect(report.added.isEmpty && report.removed.isEmpty && report.changed.isEmpty)
        #expect(service.current.rules.map(\.id) == ["keep", "edit", "new"])
    }

    @Test func matchesAreCountedPerRule() async throws {
        let set = try RuleLoader.load([
            .init(
                path: "t.yml",
                text: "rules:\n  - id: hit\n    match: {contains: boom}\n  - id: miss\n    match: {contains: nope}\n")
        ])
        let service = RuleService(rules: set)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let event = Event(ts: now, receivedAt: now, source: "t", host: "h", message: "boom")
        service.record(set.evaluate(event, at: now) + set.evaluate(event, at: now.addingTimeInterval(5)))
        let catalog = Dictionary(uniqueKeysWithValues: service.catalog().map { ($0.id, $0) })
        #expect(catalog["hit"]?.matches == 2)
        #expect(catalog["hit"]?.lastMatch == now.addingTimeInterval(5))
        #expect(catalog["miss"]?.matches == 0)
        #expect(catalog["hit"]?.status == "loaded")
    }

    /// The pipeline counts, per rule, the events the index chose it for, and times a sample.
    @Test func pipelineCountsEvaluationsPerRule() async throws {
        let directory = try TemporaryDirectory(prefix: "tally")
        let set = try RuleLoader.load([
            .init(
                path: "t.yml",
                text: "rules:\n  - id: boom\n    match: {contains: boom}\n  - id: never\n    match: {contains: zzzq}\n")
        ])
        let store = try SQLiteEventStore(path: directory.databasePath)
        let pipeline = Pipeline(store: store, analyzer: EventAnalyzer(rules: set))
        let now = Date()
        let events = (0..<640).map { Event(ts: now, receivedAt: now, source: "t", host: "h", message: "boom \($0)") }
        _ = try await pipeline.ingest(events)
        let catalog = Dictionary(uniqueKeysWithValues: pipeline.rules.catalog().map { ($0.id, $0) })
        #expect(catalog["boom"]?.evaluations == 640)
        #expect(catalog["boom"]?.matches == 640)
        #expect(catalog["never"]?.evaluations == 0)
        #expect(catalog["never"]?.costNanosPerEvent == nil)
        // The first event of each 64 is timed.
        #expect((catalog["boom"]?.costNanosPerEvent ?? 0) > 0)
        await store.close()
    }
}
