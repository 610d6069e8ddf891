import ArgumentParser
import Foundation
import SIEMCore
import SIEMHTTP
import SIEMRules
import SIEMStore

/// Bulk ingest through the pipeline into a fresh SQLite file (default rules, durable commits).
struct BulkIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulk-ingest", abstract: "Events/s through the pipeline into SQLite, in batches.")

    @Option(help: "Events to ingest.") var events: Int = 200_000
    @Option(help: "Events per ingest call.") var batch: Int = 1000
    @Option(help: "Rules file or folder.") var rules: String = "rules/default.yml"
    @Option(help: "full or normal.") var sync: String = "full"

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "siem-bench-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteEventStore(
            path: folder.appendingPathComponent("bench.sqlite3").path, sync: SyncMode(rawValue: sync) ?? .full)
        let pipeline = Pipeline(store: store, analyzer: EventAnalyzer(rules: try RuleLoader.load(path: rules)))
        let samples = SampleEvents.make(count: events)
        let cpuStart = ProcessCPUClock.now
        let start = ContinuousClock.now
        for chunk in stride(from: 0, to: samples.count, by: batch) {
            _ = try await pipeline.ingest(Array(samples[chunk..<min(chunk + batch, samples.count)]))
        }
        let seconds = (ContinuousClock.now - start).seconds
        let cpu = ProcessCPUClock.now - cpuStart
        await store.close()
        print(
            "bulk-ingest: \(events) events in \(String(format: "%.2f", seconds)) s = \(Int(Double(events) / seconds)) events/s (batch \(batch), sync \(sync)); \(Int(Double(events) / cpu)) events per CPU-second"
        )
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// A realistic mix of log lines (auth, web, firewall, DNS, EDR), deterministic for a given count.
enum SampleEvents {
    static let templates = [
        ("syslog", "sshd", "Failed password for invalid user admin from 10.%d.%d.%d port 53422 ssh2"),
        ("syslog", "sshd", "Accepted publickey for deploy from 192.168.%d.%d port 50022 ssh2: ED25519 SHA256:%d"),
        (
            "file", "nginx",
            "203.0.%d.%d - - [29/Nov/2026:09:00:00 +0000] \"GET /index.php?id=%d HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\""
        ),
        ("syslog", "kernel", "[UFW BLOCK] IN=eth0 OUT= SRC=198.51.%d.%d DST=192.0.2.10 LEN=40 PROTO=TCP SPT=%d DPT=22"),
        ("syslog", "named", "client @0x7f 192.0.2.%d#%d (host%d.example.com): query: host.example.com IN A +E(0)"),
        ("edr", "edr", "edr_process_start pid=%d ppid=%d exe=/usr/bin/curl user=www-data"),
    ]

    static func make(count: Int) -> [Event] {
        let now = Date()
        return (0..<count).map { index in
            let (source, program, template) = templates[index % templates.count]
            let message = String(format: template, index % 250, (index / 250) % 250, index % 65000)
            return Event(
                ts: now, receivedAt: now, source: source, host: "host-\(index % 50)",
                agentID: source == "edr" ? "agent-\(index % 10)" : nil, message: message,
                fields: ["program": .string(program), "seq": .int(Int64(index))])
        }
    }
}
