import Foundation

/// A fresh folder per test, removed afterwards; tests run in parallel and never share a file.
struct TemporaryDirectory: ~Copyable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("siem-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var databasePath: String { url.appendingPathComponent("siem.sqlite3").path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
