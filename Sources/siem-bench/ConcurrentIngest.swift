import ArgumentParser
import Foundation
import SIEMCore
import SIEMEngine
import SIEMRules
import SIEMStore

/// Many concurrent one-event ingests through the pipeline, without HTTP: what group commit gives.
struct ConcurrentIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concurrent", abstract: "One-event ingests from N concurrent tasks (no HTTP).")

    @Option(help: "Concurrent tasks.") var tasks: Int = 64
    @Option(help: "Events per task.") var events: Int = 1000
    @Option(help: "full or normal.") var sync: String = "full"
    @Option(help: "Rules file or folder.") var rules: String = "rules/default.yml"

    func run() async throws {
        let scratch = try ScratchFolder("siem-concurrent")
        let store = try SQLiteEventStore(
            path: scratch.path("bench.sqlite3"), sync: SyncMode(rawValue: sync) ?? .full)
        let pipeline = Pipeline(store: store, analyzer: EventAnalyzer(rules: try RuleFiles.load(path: rules)))
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for event in SampleEvents.make((task * events)..<((task + 1) * events)) {
                        _ = try await pipeline.ingest([event])
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = (ContinuousClock.now - start).seconds
        await store.close()
        print(
            "concurrent: \(tasks) tasks x \(events) one-event ingests = \(Int(Double(tasks * events) / seconds)) events/s (sync \(sync)); \(store.commitStatistics)"
        )
    }
}
