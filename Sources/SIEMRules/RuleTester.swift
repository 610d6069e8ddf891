import Foundation
import SIEMCore

/// Runs rules over NDJSON events or raw log lines, offline: how users unit-test rules. The caller
/// reads the file and passes its bytes, and the time events without their own are given.
public struct RuleTester: Sendable {
    public let analyzer: EventAnalyzer

    public init(analyzer: EventAnalyzer) {
        self.analyzer = analyzer
    }

    /// Calls `emit` with one JSON line per match (`rule_id`, `title`, `severity`, `line`, `event`);
    /// returns the number of matches. A line that starts with `{` must be a valid event.
    public func run(_ data: Data, at now: Date, emit: (String) -> Void) throws(IngestError) -> Int {
        let decoder = EventDecoder()
        var matches = 0
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            let event: Event
            if text.hasPrefix("{") {
                do {
                    event = try decoder.decode(Data(line), format: .json, receivedAt: now)[0]
                } catch {
                    // A JSON record that is not in ingest shape (a raw Windows event, say) is
                    // tested as the `fields` of an event, as a shipper would send it.
                    guard case .object(let fields)? = try? JSONParser.parse(line) else {
                        throw IngestError.invalid("line \(lineNumber): \(error.detail)")
                    }
                    let message = fields["Message"]?.stringValue ?? fields["message"]?.stringValue ?? text
                    event = Event(
                        ts: now, receivedAt: now, source: "file", host: "unknown", message: message, fields: fields)
                }
            } else {
                event = Event(ts: now, receivedAt: now, source: "file", host: "unknown", message: text)
            }
            let (analyzed, alerts) = analyzer.analyze(event, at: now)
            for alert in alerts {
                matches += 1
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
        }
        return matches
    }
}
