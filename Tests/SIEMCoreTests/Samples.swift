import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

/// The log samples: `synthetic/…` paths are this project's own generated files, kept in the
/// repository (`Tests/Fixtures/synthetic`); every other path is in the shared public samples
/// (`TestData.shared`), which only CI has beside the clone. Tests that read a shared sample carry
/// `.enabled(if: TestData.sharedAvailable, …)`; when they run without the folder (because
/// `SIEM_REQUIRE_TESTDATA` is set) a missing file fails the test with a message.
enum Samples {
    struct Missing: Error, CustomStringConvertible {
        let path: String
        let hint: String
        var description: String { "sample file \(path) is missing; \(hint)" }
    }

    struct NotAnObject: Error, CustomStringConvertible {
        let line: String
        var description: String { "not a JSON object: \(line.prefix(120))" }
    }

    /// The repository's synthetic fixtures, or the shared samples for every other folder.
    static func url(_ relativePath: String) -> URL {
        isFixture(relativePath)
            ? TestData.fixtures.appendingPathComponent(relativePath)
            : TestData.shared.appendingPathComponent(relativePath)
    }

    static func isFixture(_ relativePath: String) -> Bool { relativePath.hasPrefix("synthetic/") }

    static func contents(_ relativePath: String) throws -> Data {
        let url = url(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            let hint =
                isFixture(relativePath)
                ? "it belongs in the repository under Tests/Fixtures" : "this test \(TestData.sharedMissingReason)"
            throw Missing(path: url.path, hint: hint)
        }
        return data
    }

    /// The log lines of a sample: fail2ban `# failJSON` annotations and blank lines left out.
    static func lines(_ relativePath: String) throws -> [String] {
        let data = try contents(relativePath)
        // Lines end in LF, or CRLF in some Windows exports; a shipper strips either.
        return data.split(separator: UInt8(ascii: "\n"))
            .map { String(decoding: $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0, as: UTF8.self) }.filter {
                !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty
            }
    }

    /// `synthetic/expected.json`, the generator's ground truth.
    static func expected(_ file: String) throws -> [String: Any] {
        let data = try contents("synthetic/expected.json")
        let root = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (root?["files"] as? [String: Any])?[file] as? [String: Any] ?? [:]
    }

    static func kinds(_ file: String) throws -> [String: Int] {
        try expected(file)["kinds"] as? [String: Int] ?? [:]
    }

    /// 2026-03-15 00:00 UTC: the day after the synthetic samples, so their year is 2026.
    static let receivedAt = Date(timeIntervalSince1970: 1_773_532_800)

    /// One line as the agent ships it (raw message, optional `log_type`), normalized.
    static func normalize(
        _ line: String,
        logType: String? = nil,
        receivedAt: Date = receivedAt,
        set: NormalizerSet = NormalizerSet()
    ) -> Event {
        var event = Event(
            ts: receivedAt, receivedAt: receivedAt, source: "file", host: "test", message: line, logType: logType)
        set.normalize(&event)
        return event
    }

    /// One JSON object (a Windows event) shipped as the event's `fields`.
    static func normalize(json line: String, receivedAt: Date = receivedAt) throws -> Event {
        guard case .object(let fields) = try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)) else {
            throw NotAnObject(line: line)
        }
        var event = Event(
            ts: receivedAt, receivedAt: receivedAt, source: "file", host: "test", message: line, fields: fields)
        NormalizerSet().normalize(&event)
        return event
    }

    /// Every line of a sample file, normalized.
    static func events(_ relativePath: String, logType: String? = nil) throws -> [Event] {
        try lines(relativePath).map { normalize($0, logType: logType) }
    }
}

extension Event {
    /// The normalized value as text (what rules and filters see).
    subscript(_ key: String) -> String? { normalized[key]?.scalarText }
}

/// The share of `events` selected by `selected` that carry every key and satisfy `check`.
func coverage(
    _ events: [Event],
    of selected: (Event) -> Bool,
    keys: [String],
    check: (Event) -> Bool = { _ in true }
) -> (covered: Int, total: Int, missed: [String]) {
    var covered = 0
    var total = 0
    var missed: [String] = []
    for event in events where selected(event) {
        total += 1
        if keys.allSatisfy({ event.normalized[$0] != nil }) && check(event) {
            covered += 1
        } else if missed.count < 5 {
            missed.append(event.message)
        }
    }
    return (covered, total, missed)
}
