import ArgumentParser
import Foundation
import SIEMCore
import SIEMEngine
import SIEMRules
import SIEMStore

/// Ingest through the pipeline with no IOCs and with many loaded: matching must cost the same
/// whatever the number of IOCs (hash lookups of extracted tokens against an immutable snapshot).
struct IOCBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ioc", abstract: "Events/s through the pipeline with 0 and with N IOCs loaded.")

    @Option(help: "Events to ingest per run.") var events: Int = 100_000
    @Option(help: "IOCs loaded in the second run.") var iocs: Int = 100_000
    @Option(help: "Events per ingest call.") var batch: Int = 1000
    @Option(help: "Runs of each configuration, alternating; the best of each is reported.") var rounds: Int = 3
    @Option(help: "Rules file or folder.") var rules: String = "rules/default.yml"
    @Option(help: "full or normal.") var sync: String = "full"

    func run() async throws {
        let ruleSet = try RuleFiles.load(path: rules)
        let samples = SampleEvents.make(count: events)
        let indicators = Self.indicators(count: iocs)
        var best: [Int: Double] = [:]
        for round in 1...rounds {
            for count in [0, iocs] {
                let rate = try await ingestRate(samples, iocs: Array(indicators.prefix(count)), rules: ruleSet)
                best[count] = max(best[count] ?? 0, rate)
                print("round \(round): \(count) IOCs: \(Int(rate)) events/s")
            }
        }
        let analysis0 = analysisRate(samples, set: .empty, rules: ruleSet)
        let analysisN = analysisRate(samples, set: IOCSet(indicators), rules: ruleSet)
        let without = best[0]!
        let with = best[iocs]!
        print(
            """
            ioc: \(events) events, batch \(batch), sync \(sync), best of \(rounds)
              ingest with 0 IOCs:       \(Int(without)) events/s
              ingest with \(iocs) IOCs: \(Int(with)) events/s (\(String(format: "%+.1f", (with / without - 1) * 100))%)
              analysis only (normalize, rules, IOC match, no store): \(Int(analysis0)) events/s with 0 IOCs, \(Int(analysisN)) with \(iocs)
            """)
    }

    /// A mix of IPs, domains and SHA-256 values that the sample events do not contain.
    static func indicators(count: Int) -> [IOC] {
        let now = Date()
        return (0..<count).map { index in
            let type: IOCType
            let value: String
            switch index % 5 {
            case 0, 1:
                type = .ip
                value = "100.\(64 + (index >> 16) % 64).\((index >> 8) % 256).\(index % 256)"
            case 2, 3:
                type = .domain
                value = "c2-\(index).bad\(index % 97).example.net"
            default:
                type = .sha256
                var hex = String(index, radix: 16)
                hex = String(repeating: "e", count: 64 - hex.count) + hex
                value = hex
            }
            return IOC(id: Int64(index + 1), type: type, value: value, source: "bench", createdAt: now)
        }
    }

    func ingestRate(_ samples: [Event], iocs: [IOC], rules: RuleSet) async throws -> Double {
        let scratch = try ScratchFolder("siem-bench-ioc")
        let stores = try Stores.sqlite(
            path: scratch.path("bench.sqlite3"), sync: SyncMode(rawValue: sync) ?? .full)
        let store = stores.events
        for chunk in stride(from: 0, to: iocs.count, by: 10_000) {
            _ = try await stores.iocs.upsert(Array(iocs[chunk..<min(chunk + 10_000, iocs.count)]))
        }
        let threatIntel = IOCSnapshot(store: stores.iocs)
        let loaded = try await threatIntel.reload()
        precondition(loaded.count == iocs.count, "the snapshot holds \(loaded.count) IOCs, expected \(iocs.count)")
        let pipeline = Pipeline(store: store, analyzer: EventAnalyzer(rules: rules), iocs: threatIntel)
        let start = ContinuousClock.now
        for chunk in stride(from: 0, to: samples.count, by: batch) {
            _ = try await pipeline.ingest(Array(samples[chunk..<min(chunk + batch, samples.count)]))
        }
        let seconds = (ContinuousClock.now - start).seconds
        await store.close()
        return Double(samples.count) / seconds
    }

    func analysisRate(_ samples: [Event], set: IOCSet, rules: RuleSet) -> Double {
        let analyzer = EventAnalyzer(rules: rules)
        let time = Date()
        var alerts = 0
        let start = ContinuousClock.now
        for event in samples { alerts += analyzer.analyze(event, at: time, iocs: set).alerts.count }
        let seconds = (ContinuousClock.now - start).seconds
        precondition(alerts >= 0)
        return Double(samples.count) / seconds
    }
}
