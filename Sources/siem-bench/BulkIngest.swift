import ArgumentParser
import Foundation
import SIEMCore
import SIEMEngine
import SIEMRules
import SIEMStore

/// Bulk ingest through the pipeline into a fresh SQLite file (default rules, durable commits).
struct BulkIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulk-ingest", abstract: "Events/s through the pipeline into SQLite, in batches.")

    @Option(help: "Events to ingest.") var events: Int = 200_000
    @Option(help: "Events per ingest call.") var batch: Int = 1000
    @Option(help: "Rules files and folders, comma-separated.") var rules: String = "rules/default.yml"
    @Option(help: "The Sigma configuration for Sigma rules among them.")
    var sigmaConfig: String = "rules/sigma/config.yml"
    @Option(help: "full or normal.") var sync: String = "full"
    @Option(help: "Threshold rules to add, counting events per source address.")
    var thresholdRules: Int = 0
    @Option(help: "How many of the added threshold rules each event feeds: 10 or 1.")
    var thresholdFanout: Int = 10

    func run() async throws {
        let scratch = try ScratchFolder("siem-bench")
        let store = try SQLiteEventStore(
            path: scratch.path("bench.sqlite3"), sync: SyncMode(rawValue: sync) ?? .full)
        let options = RuleCollection.Options(sigma: try RuleFiles.sigmaConfig(path: sigmaConfig))
        var paths = rules
        if thresholdRules > 0 {
            let file = scratch.path("thresholds.yml")
            try Self.thresholdRules(thresholdRules, fanout: thresholdFanout)
                .write(toFile: file, atomically: true, encoding: .utf8)
            paths += "," + file
        }
        let ruleSet = try RuleFiles.load(path: paths, options: options)
        let pipeline = Pipeline(store: store, analyzer: EventAnalyzer(rules: ruleSet))
        let samples = SampleEvents.make(count: events)
        let cpuStart = ProcessCPUClock.now
        let start = ContinuousClock.now
        for chunk in stride(from: 0, to: samples.count, by: batch) {
            _ = try await pipeline.ingest(Array(samples[chunk..<min(chunk + batch, samples.count)]))
        }
        let seconds = (ContinuousClock.now - start).seconds
        let cpu = ProcessCPUClock.now - cpuStart
        let groups = pipeline.detector.statistics
        await store.close()
        print(
            "bulk-ingest: \(ruleSet.rules.count) rules, \(ruleSet.correlations.count) threshold/correlation rules (\(groups.openGroups) open groups, \(groups.droppedGroups) dropped), \(events) events in \(String(format: "%.2f", seconds)) s = \(Int(Double(events) / seconds)) events/s (batch \(batch), sync \(sync)); \(Int(Double(events) / cpu)) events per CPU-second"
        )
    }
}

extension BulkIngest {
    /// `count` threshold rules that never fire, per source address. With `fanout` 10, rule `r`
    /// counts the events whose address ends in the digit `r % 10` (each event feeds a tenth of the
    /// rules, and the groups outgrow the cap on open groups); with 1, those whose last octet is
    /// `r` (an event feeds at most one).
    static func thresholdRules(_ count: Int, fanout: Int) -> String {
        var yaml = "rules:\n"
        for rule in 0..<count {
            let suffix = fanout == 1 ? ".\(rule)" : "\(rule % 10)"
            yaml += """
                  - id: bench_threshold_\(rule)
                    title: Bench threshold \(rule)
                    severity: low
                    match: {field: source.ip, endswith: "\(suffix)"}
                    threshold: {count: 1000000, within: 1h, group_by: [source.ip]}

                """
        }
        return yaml
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// A realistic mix of log lines (auth, web, firewall, DNS, EDR), deterministic for a given count.
/// Event `i` of kind `k = i % 6` uses address octets `a = (i / 6) % 250`, `b = (i / 1500) % 250`.
enum SampleEvents {
    static func make(count: Int) -> [Event] { make(0..<count) }

    /// Events `range` of the deterministic sequence (so a run can generate batches as it goes).
    static func make(_ range: Range<Int>) -> [Event] {
        let now = Date()
        return range.map { index in
            let a = (index / 6) % 250
            let b = (index / 1500) % 250
            let port = 1024 + index % 60000
            let source: String
            let program: String
            let message: String
            switch index % 6 {
            case 0:
                (source, program) = ("syslog", "sshd")
                message = "Failed password for invalid user admin\(a) from 10.\(b).\(a).7 port \(port) ssh2"
            case 1:
                (source, program) = ("syslog", "sshd")
                message =
                    "Accepted publickey for deploy from 192.168.\(b).\(a) port \(port) ssh2: ED25519 SHA256:k\(index)"
            case 2:
                (source, program) = ("file", "nginx")
                message =
                    "203.0.\(b).\(a) - - [29/Nov/2026:09:00:00 +0000] \"GET /index.php?id=\(index) HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\""
            case 3:
                (source, program) = ("syslog", "kernel")
                message =
                    "[UFW BLOCK] IN=eth0 OUT= MAC=00:00:5e:00:53:10 SRC=198.51.\(b).\(a) DST=192.0.2.10 LEN=40 PROTO=TCP SPT=\(port) DPT=22"
            case 4:
                (source, program) = ("syslog", "named")
                message = "client @0x7f 192.0.2.\(a)#\(port) (h\(a).example.com): query: h\(a).example.com IN A +E(0)"
            default:
                (source, program) = ("edr", "edr")
                message = "edr_process_start pid=\(port) ppid=\(a) exe=/usr/bin/curl user=www-data"
            }
            return Event(
                ts: now, receivedAt: now, source: source, host: "host-\(index % 50)",
                agentID: source == "edr" ? "agent-\(index % 10)" : nil, message: message,
                fields: ["program": .string(program), "seq": .int(Int64(index))])
        }
    }
}
