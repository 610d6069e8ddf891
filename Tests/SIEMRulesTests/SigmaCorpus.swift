import Foundation
import SIEMCore
import SIEMRules
import SIEMTestSupport
import Yams

/// The Sigma conformance corpus (`shared/testdata/sigma`): SigmaHQ's rules, the regression events,
/// the reference matrix and the generated events, loaded once per test process.
enum SigmaCorpus {
    static let folder = TestData.shared.appendingPathComponent("sigma")

    /// Whether the corpus is there; suites that need it print a note and pass when it is not.
    static var present: Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("README.md").path)
    }

    /// How a flat conformance event becomes an `Event`: `fields` is the object, `message` its
    /// `message` or `Message` string ("" if neither), `ts` now.
    static func event(_ fields: [String: JSONValue], at now: Date = Date()) -> Event {
        let message = fields["message"]?.stringValue ?? fields["Message"]?.stringValue ?? ""
        return Event(ts: now, receivedAt: now, source: "sigma-test", host: "test", message: message, fields: fields)
    }

    /// One Sigma YAML text compiled, with the outcome.
    static func compile(
        _ yaml: String, file: String = "<test>", config: SigmaConfig = .empty, ignoreLogsource: Bool = true
    ) throws -> SigmaRuleCompiler.Outcome {
        let node = try requireNode(Yams.compose(yaml: yaml))
        return SigmaRuleCompiler.compile(node, file: file, config: config, ignoreLogsource: ignoreLogsource)
    }

    /// Every rule file under `rules/`, compiled with `SigmaConfig.empty` and ignoring logsource.
    struct Rules: Sendable {
        /// Paths relative to the corpus's `rules/` folder, sorted.
        var paths: [String]
        var outcomes: [String: SigmaRuleCompiler.Outcome]
        var set: RuleSet
        /// Position in `set.rules` of each loaded rule path.
        var position: [String: Int]
        var seconds: Double
    }

    static let rules: Rules = loadRules()

    /// Reads a file of the corpus as text.
    static func text(_ relative: String) -> String {
        (try? String(contentsOf: folder.appendingPathComponent(relative), encoding: .utf8)) ?? ""
    }

    private static func loadRules() -> Rules {
        let start = Date()
        let root = folder.appendingPathComponent("rules")
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        let paths = (enumerator?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".yml") }.sorted()
        let texts = paths.map { (try? String(contentsOf: root.appendingPathComponent($0), encoding: .utf8)) ?? "" }
        // Two cores: compile the halves in parallel (the outcomes are values; each slot is written once).
        let results = UnsafeSendableBox([SigmaRuleCompiler.Outcome?](repeating: nil, count: paths.count))
        let chunk = (paths.count + 3) / 4
        DispatchQueue.concurrentPerform(iterations: 4) { part in
            for index in (part * chunk)..<min(paths.count, (part + 1) * chunk) {
                let outcome: SigmaRuleCompiler.Outcome
                do {
                    if let node = try Yams.compose(yaml: texts[index]) {
                        outcome = SigmaRuleCompiler.compile(
                            node, file: paths[index], config: .empty, ignoreLogsource: true)
                    } else {
                        outcome = .skipped(SkippedRule(file: paths[index], format: .sigma, reason: "empty YAML"))
                    }
                } catch {
                    outcome = .skipped(SkippedRule(file: paths[index], format: .sigma, reason: "YAML error: \(error)"))
                }
                results.set(index, outcome)
            }
        }
        var outcomes: [String: SigmaRuleCompiler.Outcome] = [:]
        var loaded: [Rule] = []
        var position: [String: Int] = [:]
        let values = results.values
        for (index, path) in paths.enumerated() {
            let outcome = values[index]!
            outcomes[path] = outcome
            if case .rule(let rule) = outcome {
                position[path] = loaded.count
                loaded.append(rule)
            }
        }
        let set = RuleSet(rules: loaded)
        return Rules(
            paths: paths, outcomes: outcomes, set: set, position: position, seconds: Date().timeIntervalSince(start))
    }

    /// The regression events, in index order.
    static let regressionEvents: [Event] = {
        let now = Date()
        return ndjson("regression/events.ndjson").map { line in
            event(line.objectValue?["event"]?.objectValue ?? [:], at: now)
        }
    }()

    struct Generated: Sendable {
        var rulePath: String
        var variant: String
        var event: Event
        var expected: Bool
    }

    static let generated: [Generated] = {
        let now = Date()
        return ndjson("generated/events.ndjson").map { line in
            let object = line.objectValue ?? [:]
            var expected = false
            if case .bool(let flag)? = object["expected"] { expected = flag }
            return Generated(
                rulePath: object["rule_path"]?.stringValue ?? "", variant: object["variant"]?.stringValue ?? "",
                event: event(object["event"]?.objectValue ?? [:], at: now), expected: expected)
        }
    }()

    /// The JSON values of an NDJSON file of the corpus.
    static func ndjson(_ relative: String) -> [JSONValue] {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(relative)) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONParser.parse($0) }
    }

    /// A JSON document of the corpus.
    static func json(_ relative: String) -> JSONValue? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(relative)) else { return nil }
        return try? JSONParser.parse(data)
    }
}

/// Results written by parallel workers, each to its own slot, then read after they all finish.
private final class UnsafeSendableBox<Value>: @unchecked Sendable {
    // Safe: `concurrentPerform` returns only after every worker is done, no two workers write the
    // same slot, and the buffer is allocated once (no property access races on resizing).
    private let buffer: UnsafeMutableBufferPointer<Value?>
    init(_ values: [Value?]) {
        buffer = .allocate(capacity: values.count)
        _ = buffer.initialize(from: values)
    }
    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }
    func set(_ index: Int, _ value: Value) { buffer[index] = value }
    var values: [Value?] { Array(buffer) }
}

/// The document, or an error for an empty one.
func requireNode(_ node: Node?) throws -> Node {
    guard let node else { throw SigmaTestError("empty YAML document") }
    return node
}

struct SigmaTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Small Sigma rules for unit tests: a detection block compiled into a rule, and events to try.
enum SigmaSnippet {
    /// The rule for a `detection:` body (indented by four spaces in the YAML), or the reason it is
    /// skipped.
    static func compile(_ detection: String, config: SigmaConfig = .empty) throws -> Result<Rule, SigmaTestError> {
        let indented = detection.split(separator: "\n", omittingEmptySubsequences: false)
            .map { "    " + $0 }.joined(separator: "\n")
        let yaml = """
            title: test
            id: 00000000-0000-0000-0000-000000000001
            logsource: {product: windows}
            detection:
            \(indented)
            """
        switch try SigmaCorpus.compile(yaml, config: config) {
        case .rule(let rule): return .success(rule)
        case .skipped(let skipped): return .failure(SigmaTestError(skipped.reason))
        }
    }

    static func rule(_ detection: String, config: SigmaConfig = .empty) throws -> Rule {
        try compile(detection, config: config).get()
    }

    /// The reason the detection is skipped, or nil when it compiles.
    static func skipReason(_ detection: String, config: SigmaConfig = .empty) throws -> String? {
        if case .failure(let error) = try compile(detection, config: config) { return error.description }
        return nil
    }

    static func event(_ fields: [String: JSONValue], message: String? = nil) -> Event {
        var event = SigmaCorpus.event(fields)
        if let message { event.message = message }
        return event
    }
}

// Literals for hand-written test events (`["EventID": 4688, "Image": "cmd.exe"]`).
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}
