import Foundation
import SIEMCore
import SIEMRules
import Yams

/// What the Sigma part of `siem-bench rules` reads: rule files compiled with `SigmaRuleCompiler`
/// on `Yams.compose` documents, and the two event corpora (the synthetic day of logs and the
/// events generated from the SigmaHQ rules), normalized before timing.
enum SigmaBenchData {
    /// A folder's `.yml` files (recursively), in path order, with their text.
    static func ruleFiles(under folder: String) -> [(path: String, text: String)] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        let names = enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
        return names.sorted().compactMap { name in
            let path = (folder as NSString).appendingPathComponent(name)
            return FileManager.default.contents(atPath: path).map { (path, String(decoding: $0, as: UTF8.self)) }
        }
    }

    /// How one compilation went: the rules, how many were skipped, how many see no event, and the
    /// thread CPU time spent composing YAML and compiling.
    struct Compiled {
        var rules: [Rule] = []
        var skipped = 0
        var noEvent = 0
        var composeSeconds = 0.0
        var compileSeconds = 0.0
        var files = 0
    }

    /// Composes and compiles every document of `files`.
    static func compile(_ files: [(path: String, text: String)], config: SigmaConfig, ignoreLogsource: Bool)
        -> Compiled
    {
        var result = Compiled()
        for file in files {
            result.files += 1
            let start = ThreadCPUClock.now
            let documents = (try? Yams.compose_all(yaml: file.text)).map { Array($0).compactMap { $0 } } ?? []
            let composed = ThreadCPUClock.now
            result.composeSeconds += composed - start
            for document in documents where SigmaRuleCompiler.isSigma(document) {
                switch SigmaRuleCompiler.compile(
                    document, file: file.path, config: config, ignoreLogsource: ignoreLogsource)
                {
                case .rule(let rule):
                    if case .noEvent = rule.scope { result.noEvent += 1 }
                    result.rules.append(rule)
                case .skipped: result.skipped += 1
                }
            }
            result.compileSeconds += ThreadCPUClock.now - composed
        }
        return result
    }

    /// Every line of the synthetic day (`synthetic/*.log`, `*.ndjson`): JSON lines as the fields
    /// of an event (as a shipper sends Windows events), other lines as the message.
    static func syntheticDay(_ testdata: String) -> [Event] {
        let folder = (testdata as NSString).appendingPathComponent("synthetic")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".log") || $0.hasSuffix(".ndjson") }.sorted()
        var events: [Event] = []
        for name in names {
            guard let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name))
            else { continue }
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                if line.hasPrefix("{") {
                    guard case .object(let fields)? = try? JSONParser.parse(Array(line.utf8)) else { continue }
                    events.append(event(message: "", fields: fields))
                } else {
                    events.append(event(message: String(line), fields: [:]))
                }
            }
        }
        return normalized(events)
    }

    /// The events of `sigma/generated/events.ndjson` (their `event` objects as fields; a `message`
    /// key, where keywords went, as the message too).
    static func generatedSigma(_ testdata: String) -> [Event] {
        let path = (testdata as NSString).appendingPathComponent("sigma/generated/events.ndjson")
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var events: [Event] = []
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard case .object(let record)? = try? JSONParser.parse(Array(line)),
                case .object(let fields)? = record["event"]
            else { continue }
            events.append(event(message: fields["message"]?.stringValue ?? "", fields: fields))
        }
        return normalized(events)
    }

    private static func event(message: String, fields: [String: JSONValue]) -> Event {
        let now = Date(timeIntervalSince1970: 1_773_446_400)
        return Event(ts: now, receivedAt: now, source: "bench", host: "bench", message: message, fields: fields)
    }

    private static func normalized(_ events: [Event]) -> [Event] {
        let normalizer = NormalizerSet()
        return events.map { event in
            var event = event
            normalizer.normalize(&event)
            event.ips = event.extractedIPs()
            return event
        }
    }
}
