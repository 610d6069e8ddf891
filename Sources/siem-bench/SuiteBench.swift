import ArgumentParser
import Foundation
import SIEMCore
import SIEMEngine
import SIEMRules
import SIEMStore

/// The whole suite in one run: SQLite ceiling, pipeline with and without storage, rules, search
/// latency and peak memory, with ratios to the ceiling next to the absolute figures.
struct SuiteBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all", abstract: "Run every benchmark once (use --events 20000 for a smoke run).")

    @Option(help: "Events to store (1,000,000 for the full run).") var events: Int = 1_000_000
    @Option(help: "Events per transaction / ingest call.") var batch: Int = 1000
    @Option(help: "Search queries per kind.") var queries: Int = 200
    @Option(help: "Rules file or folder.") var rules: String = "rules/default.yml"

    func run() async throws {
        let scratch = try ScratchFolder("siem-suite")
        let ruleSet = try RuleFiles.load(path: rules)
        let analyzer = EventAnalyzer(rules: ruleSet)
        let batches = stride(from: 0, to: events, by: batch).map { $0..<min($0 + batch, events) }
        print("siem-bench all: \(events) events, batch \(batch), \(ruleSet.rules.count) rules, sync normal")

        // 1. Pipeline alone (normalize, IPs, rules), one core; events are generated batch by batch
        //    so memory stays flat whatever the count.
        let now = Date()
        var analyzeSeconds = 0.0
        for range in batches.prefix(max(1, 200_000 / batch)) {
            let samples = SampleEvents.make(range)
            let begin = ThreadCPUClock.now
            for event in samples { _ = analyzer.analyze(event, at: now) }
            analyzeSeconds += ThreadCPUClock.now - begin
        }
        let analyzed = min(events, max(1, 200_000 / batch) * batch)
        print("pipeline without storage: \(Int(Double(analyzed) / analyzeSeconds)) events/s per core")

        // 2. The honest ceiling: the same rows into the minimal schema for siemd's searches,
        //    through the SQLite C API (see `CeilingBench`), nothing else.
        let ceiling = try CeilingBench.sampleRate(
            batches, analyzer: analyzer, path: scratch.path("ceiling.sqlite3"), sync: .normal)
        print("honest ceiling (\(CeilingBench.label)): \(Int(ceiling)) rows/s")

        // 3. Bulk ingest through the pipeline into the store, durable before each call returns;
        //    two producers, as two busy clients would be, so the writer groups their commits.
        let store = try SQLiteEventStore(path: scratch.path("siem.sqlite3"), sync: .normal)
        let pipeline = Pipeline(store: store, analyzer: analyzer)
        let bulkRate = try await Self.ingest(batches, through: pipeline)
        print(
            "bulk ingest through the pipeline: \(Int(bulkRate)) events/s = \(String(format: "%.2f", bulkRate / ceiling))x the ceiling"
        )
        print("peak RSS after ingest: \(Self.peakRSSMiB()) MiB")

        // 4. Search latency over what was stored.
        let probes: [(String, EventQuery)] = [
            ("selective term", EventQuery(text: "id=\(events / 2 + 2 - (events / 2 + 2) % 6 + 2)", limit: 50)),
            ("newest 50 of a common term", EventQuery(text: "Failed", limit: 50)),
            ("ip filter", EventQuery(limit: 50, ip: "10.1.7.7")),
            ("host filter", EventQuery(limit: 50, host: "host-7")),
            ("term + host", EventQuery(text: "password", limit: 50, host: "host-12")),
        ]
        for (name, query) in probes {
            var latencies: [Double] = []
            var hits = 0
            for _ in 0..<queries {
                let begin = ContinuousClock.now
                hits = try await store.events(query).items.count
                latencies.append((ContinuousClock.now - begin).seconds * 1000)
            }
            latencies.sort()
            let median = latencies[latencies.count / 2]
            let p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
            print(
                "search \(name): median \(String(format: "%.2f", median)) ms, p99 \(String(format: "%.2f", p99)) ms (\(hits) hits)"
            )
        }
        await store.close()

        // 5. Heavy detection content: 1,000 more rules and 100,000 IOCs against the default set,
        //    same events, fresh stores.
        let count = min(events, 200_000)
        let heavyRules = RuleSet(
            rules: ruleSet.rules + (try RuleLoader.parse(yaml: RulesBench.generatedRules(1000))))
        let baseline = try await Self.bulkRate(
            count: count, batch: batch, rules: ruleSet, iocs: [], scratch: scratch, name: "baseline")
        let heavy = try await Self.bulkRate(
            count: count, batch: batch, rules: heavyRules, iocs: IOCBench.indicators(count: 100_000),
            scratch: scratch, name: "heavy")
        print(
            "bulk ingest with \(heavyRules.rules.count) rules and 100,000 IOCs: \(Int(heavy)) events/s = \(String(format: "%.2f", heavy / baseline))x the default set (\(Int(baseline)) events/s, \(count) events)"
        )
        print("peak RSS at end: \(Self.peakRSSMiB()) MiB")
    }

    /// Bulk ingest of `count` sample events into a fresh store with the given rules and IOCs.
    static func bulkRate(
        count: Int, batch: Int, rules: RuleSet, iocs: [IOC], scratch: ScratchFolder, name: String
    ) async throws -> Double {
        let stores = try Stores.sqlite(path: scratch.path("\(name).sqlite3"), sync: .normal)
        let store = stores.events
        for chunk in stride(from: 0, to: iocs.count, by: 10_000) {
            _ = try await stores.iocs.upsert(Array(iocs[chunk..<min(chunk + 10_000, iocs.count)]))
        }
        let threatIntel = IOCSnapshot(store: stores.iocs)
        _ = try await threatIntel.reload()
        let pipeline = Pipeline(store: store, analyzer: EventAnalyzer(rules: rules), iocs: threatIntel)
        let rate = try await ingest(
            stride(from: 0, to: count, by: batch).map { $0..<min($0 + batch, count) }, through: pipeline)
        await store.close()
        return rate
    }

    /// Ingests the sample batches from two producers, as two busy clients would, so the writer
    /// groups their commits; returns events/s.
    static func ingest(_ batches: [Range<Int>], through pipeline: Pipeline) async throws -> Double {
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<2 {
                group.addTask {
                    for (index, range) in batches.enumerated() where index % 2 == producer {
                        _ = try await pipeline.ingest(SampleEvents.make(range))
                    }
                }
            }
            try await group.waitForAll()
        }
        let count = batches.reduce(0) { $0 + $1.count }
        return Double(count) / (ContinuousClock.now - start).seconds
    }

    static func peakRSSMiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return -1 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}
