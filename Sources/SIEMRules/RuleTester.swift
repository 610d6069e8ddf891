import Foundation
import SIEMCore

/// Runs rules over NDJSON events or raw log lines, offline: how users unit-test rules. The caller
/// reads the file and passes its bytes, and the time events without their own are given.
public struct RuleTester: Sendable {
    public let analyzer: EventAnalyzer

    public init(analyzer: EventAnalyzer) {
        self.analyzer = analyzer
    }

    /// The keys a record not in ingest shape may carry its time in, in the order they are tried.
    public static let timeKeys = ["ts", "timestamp", "@timestamp", "TimeCreated_SystemTime", "EventTime"]

    /// The event a JSON record not in ingest shape stands for: the record is its `fields` (as a
    /// shipper would send a raw Windows event), its message the record's `Message`/`message`
    /// text (else empty: the record's JSON text is not a log line, and a Sigma keyword must not
    /// match its key names), its time the first of `timeKeys` that parses (else `now`).
    public static func event(fields: [String: JSONValue], at now: Date) -> Event {
        let message = fields["Message"]?.stringValue ?? fields["message"]?.stringValue ?? ""
        var ts = now
        for key in timeKeys {
            switch fields[key] {
            case .string(let value)?:
                if let date = Timestamp.parse(value) { ts = date } else { continue }
            case .int(let value)?:
                if let date = Timestamp.fromEpoch(Double(value)) { ts = date } else { continue }
            case .double(let value)?:
                if let date = Timestamp.fromEpoch(value) { ts = date } else { continue }
            default: continue
            }
            break
        }
        return Event(ts: ts, receivedAt: now, source: "file", host: "unknown", message: message, fields: fields)
    }

    /// Calls `emit` with one JSON line per match (`rule_id`, `title`, `severity`, `line`, `event`;
    /// with `quiet` only `rule_id` and `line`), then, after the last line, one per correlation or
    /// threshold alert (`correlationLine`); returns the number of lines emitted. Lines are taken in
    /// file order, each at its event time; rules that only feed correlations print no match of their
    /// own. A line that starts with `{` must be a JSON object.
    public func run(_ data: Data, at now: Date, quiet: Bool = false, emit: (String) -> Void) throws(IngestError)
        -> Int
    {
        let decoder = EventDecoder()
        var matches = 0
        var lineNumber = 0
        var engine = analyzer.rules.correlations.isEmpty ? nil : CorrelationEngine(rules: analyzer.rules)
        var alerts = CorrelationAlerts()
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            let event: Event
            if text.hasPrefix("{") {
                // A record in ingest shape is decoded as siemd would; any other JSON object (a raw
                // Windows event, a Sigma test event) is tested as the `fields` of an event.
                guard case .object(let object)? = try? JSONParser.parse(line) else {
                    throw IngestError.invalid("line \(lineNumber): not a JSON object")
                }
                if object.keys.allSatisfy(EventDecoder.eventKeys.contains) {
                    do {
                        event = try decoder.decode(Data(line), format: .json, receivedAt: now)[0]
                    } catch {
                        throw IngestError.invalid("line \(lineNumber): \(error.detail)")
                    }
                } else {
                    event = Self.event(fields: object, at: now)
                }
            } else {
                event = Event(ts: now, receivedAt: now, source: "file", host: "unknown", message: text)
            }
            let analysis = analyzer.analyzeAll(event, at: now)
            let analyzed = analysis.event
            for alert in analysis.alerts {
                matches += 1
                if quiet {
                    var body = JSONBody()
                    body.object([("rule_id", { $0.string(alert.ruleID) }), ("line", { $0.raw(String(lineNumber)) })])
                    emit(body.text)
                    continue
                }
                var body = JSONBody()
                body.object([
                    ("rule_id", { $0.string(alert.ruleID) }),
                    ("title", { $0.string(alert.title) }),
                    ("severity", { $0.string(alert.severity.rawValue) }),
                    ("line", { $0.raw(String(lineNumber)) }),
                    ("event", { $0.event(analyzed) }),
                ])
                emit(body.text)
            }
            if !analysis.correlationInputs.isEmpty, engine != nil {
                let updates = engine!.observe(
                    event: analyzed, inputs: analysis.correlationInputs, reference: Int64(lineNumber), time: analyzed.ts
                )
                for update in updates { alerts.apply(update) }
            }
        }
        for alert in alerts.alerts {
            emit(Self.correlationLine(alert, rule: analyzer.rules.correlations[alert.rule]))
            matches += 1
        }
        return matches
    }

    /// One correlation or threshold alert as check-rules prints it: `rule_id`, `kind`
    /// (`correlation` or `threshold`), `group` (values as first seen), `first_window_end` (RFC 3339
    /// UTC, milliseconds), `count` and `lines` (1-based, ascending: every event behind it).
    static func correlationLine(_ alert: CorrelationAlerts.Alert, rule: CorrelationRule) -> String {
        var body = JSONBody()
        body.object([
            ("rule_id", { $0.string(rule.id) }),
            ("kind", { $0.string(rule.isThreshold ? "threshold" : "correlation") }),
            (
                "group",
                { body in body.object(alert.group.map { member in (member.field, { $0.value(member.value) }) }) }
            ),
            ("first_window_end", { $0.date(alert.firstWindowEnd) }),
            ("count", { $0.raw(String(alert.count)) }),
            ("lines", { $0.array(Set(alert.evidence).sorted()) { $0.raw(String($1)) } }),
        ])
        return body.text
    }
}

/// Correlation alerts as `CorrelationUpdate`s open and grow them (what siemd stores, in memory).
struct CorrelationAlerts {
    struct Alert {
        var rule: Int
        var group: [(field: String, value: JSONValue)]
        var firstWindowEnd: Date
        var count: Int
        var evidence: [Int64]
    }

    private(set) var alerts: [Alert] = []
    private var open: [String: Int] = [:]

    mutating func apply(_ update: CorrelationUpdate) {
        if !update.isNew, let index = open[update.burstKey] {
            alerts[index].count = update.count
            alerts[index].evidence += update.newEvidence
            return
        }
        open[update.burstKey] = alerts.count
        alerts.append(
            Alert(
                rule: update.rule, group: update.group, firstWindowEnd: update.firstWindowEnd, count: update.count,
                evidence: update.newEvidence))
    }
}
