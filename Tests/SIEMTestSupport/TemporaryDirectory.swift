import Foundation

/// A fresh folder per test, removed when the value goes away: tests run in parallel and never
/// share a file.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init(prefix: String = "siem-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// `siem.sqlite3` inside the folder.
    public var databasePath: String { path("siem.sqlite3") }

    /// The path of `name` inside the folder.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
