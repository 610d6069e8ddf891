import ArgumentParser
import Foundation
import SIEMCore
import SIEMEngine
import SIEMRules

/// The analysis pipeline without storage, on one core, over the synthetic day of logs
/// (../shared/testdata/synthetic): `EventAnalyzer.analyzeAll` as a whole (normalize, extract IPs,
/// evaluate rules), then each stage alone so the cost of each is known: normalization of the raw
/// events, IP extraction of the normalized events, rule evaluation of the analyzed events.
///
/// It also prints a fingerprint of what the pass produced (every event's normalized keys, time,
/// host, log type, addresses and alerts): a change that is meant to be only faster must keep it.
struct AnalyzeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Events/s per core of normalize → IPs → rules over the synthetic day, whole and per stage.")

    @Option(help: "The shared testdata folder.") var testdata: String = "../shared/testdata"
    @Option(help: "Rules file or folder.") var rules: String = "rules/default.yml"
    @Option(help: "Minimum CPU seconds per measurement.") var seconds: Double = 2.0
    @Option(help: "Write every analyzed event and its alerts to this file, to compare two builds.")
    var dump: String?

    /// The synthetic day's files; `.ndjson` lines are Windows events sent as `fields`.
    static let files = [
        "auth.log", "ufw.log", "named-queries.log", "dhcpd.log", "web-attacks.log", "syslog-rfc5424.log",
        "windows-4625.ndjson",
    ]

    /// A fixed receive time (2026-03-15T00:00:00Z, the day after the logs) so that RFC 3164 years and
    /// the fingerprint do not depend on the wall clock.
    static let receivedAt = Date(timeIntervalSince1970: 1_773_532_800)

    func run() async throws {
        let events = try Self.loadDay(testdata: testdata)
        let ruleSet = try RuleFiles.load(path: rules)
        let analyzer = EventAnalyzer(rules: ruleSet)
        let now = Self.receivedAt
        print(
            "analyze: one core (thread CPU time), \(events.count) events of the synthetic day, "
                + "\(ruleSet.rules.count) rules from \(rules)")

        // What each stage starts from.
        let normalized = events.map { event -> Event in
            var event = event
            analyzer.normalizer.normalize(&event)
            return event
        }
        let analyzed = normalized.map { event -> Event in
            var event = event
            event.ips = event.extractedIPs()
            return event
        }

        var alerts = 0
        var fingerprint = Fingerprint()
        var dumpText = ""
        for event in events {
            let analysis = analyzer.analyzeAll(event, at: now)
            alerts += analysis.alerts.count
            let line = Self.describe(analysis)
            fingerprint.add(line)
            if dump != nil { dumpText += line + "\n" }
        }
        if let dump { try dumpText.write(toFile: dump, atomically: true, encoding: .utf8) }
        print("fingerprint \(fingerprint.hex) (\(alerts) alerts)")

        let whole = measure(events) { analyzer.analyzeAll($0, at: now).alerts.count }
        let normalize = measure(events) { event in
            var event = event
            analyzer.normalizer.normalize(&event)
            return event.normalized.count
        }
        let extract = measure(normalized) { $0.extractedIPs().count }
        let evaluate = measure(analyzed) { ruleSet.evaluate($0, at: now).count }
        report("analyzeAll (whole pass)", whole, of: whole)
        report("normalize", normalize, of: whole)
        report("extract IPs", extract, of: whole)
        report("evaluate rules (+ alerts)", evaluate, of: whole)
        let stages = normalize.microseconds + extract.microseconds + evaluate.microseconds
        print(
            String(
                format: "sum of stages: %.2f µs/event; the rest of analyzeAll (copies, bookkeeping): %.2f µs/event",
                stages, whole.microseconds - stages))
    }

    /// Events/s and µs/event of one measurement.
    struct Rate {
        var perSecond: Double
        var microseconds: Double { 1e6 / perSecond }
    }

    /// Runs `body` over `events` until `seconds` of thread CPU time have passed.
    func measure(_ events: [Event], _ body: (Event) -> Int) -> Rate {
        var processed = 0
        var sink = 0
        let start = ThreadCPUClock.now
        var elapsed = 0.0
        repeat {
            for event in events { sink &+= body(event) }
            processed += events.count
            elapsed = ThreadCPUClock.now - start
        } while elapsed < seconds
        if sink == Int.min { print("") }
        return Rate(perSecond: Double(processed) / elapsed)
    }

    func report(_ name: String, _ rate: Rate, of whole: Rate) {
        print(
            name.padding(toLength: 28, withPad: " ", startingAt: 0)
                + String(
                    format: "%10.0f events/s  %7.2f µs/event  %5.1f%% of the whole pass", rate.perSecond,
                    rate.microseconds, rate.microseconds / whole.microseconds * 100))
    }

    /// The synthetic day as events, in file order.
    static func loadDay(testdata: String) throws -> [Event] {
        var events: [Event] = []
        for name in files {
            let path = URL(fileURLWithPath: testdata).appendingPathComponent("synthetic/\(name)").path
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read \(path); pass --testdata")
            }
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                let text = String(line)
                if name.hasSuffix(".ndjson") {
                    guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
                    else { continue }
                    events.append(
                        Event(
                            ts: receivedAt, receivedAt: receivedAt, source: "file", host: "bench", message: "",
                            fields: fields))
                } else {
                    events.append(
                        Event(ts: receivedAt, receivedAt: receivedAt, source: "file", host: "bench", message: text))
                }
            }
        }
        return events
    }

    /// One line that says everything the analysis produced for an event, keys sorted.
    static func describe(_ analysis: EventAnalyzer.Analysis) -> String {
        let event = analysis.event
        var line = "ts=\(event.ts.timeIntervalSince1970) host=\(event.host) type=\(event.logType ?? "-")"
        for key in event.normalized.keys.sorted() {
            line += " \(key)=" + event.normalized[key]!.jsonText
        }
        line += " ips=\(event.ips)"
        for alert in analysis.alerts { line += " alert=\(alert.ruleID)" }
        line += " inputs=\(analysis.correlationInputs)"
        return line
    }

    /// FNV-1a over the lines, 64 bits.
    struct Fingerprint {
        var state: UInt64 = 0xcbf2_9ce4_8422_2325

        mutating func add(_ line: String) {
            for byte in line.utf8 {
                state ^= UInt64(byte)
                state &*= 0x100_0000_01b3
            }
            state ^= 0x0A
            state &*= 0x100_0000_01b3
        }

        var hex: String { String(state, radix: 16) }
    }
}
