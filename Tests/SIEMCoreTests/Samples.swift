import Foundation
import Testing

@testable import SIEMCore

/// The shared public log samples (`../shared/testdata` next to the repository), read as CI reads
/// them: a missing folder fails the test with a message instead of skipping it.
enum Samples {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let folder = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata")

    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String {
            "sample file \(path) is missing; the tests need ../shared/testdata next to the repository"
        }
    }

    /// The log lines of a sample: fail2ban `# failJSON` annotations and blank lines left out.
    static func lines(_ relativePath: String) throws -> [String] {
        let url = folder.appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw Missing(path: url.path) }
        // Lines end in LF, or CRLF in some Windows exports; a shipper strips either.
        return data.split(separator: UInt8(ascii: "\n"))
            .map { String(decoding: $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0, as: UTF8.self) }.filter {
                !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty
            }
    }

    /// `synthetic/expected.json`, the generator's ground truth.
    static func expected(_ file: String) throws -> [String: Any] {
        let url = folder.appendingPathComponent("synthetic/expected.json")
        guard let data = FileManager.default.contents(atPath: url.path) else { throw Missing(path: url.path) }
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
            throw Missing(path: "a JSON object")
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
