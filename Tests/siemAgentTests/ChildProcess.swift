import AsyncHTTPClient
import Foundation
import NIOCore
import SIEMTestSupport
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A real `siemd` or `siem-agent` process; its standard error goes to a file the test reads.
final class ChildProcess: @unchecked Sendable {  // used only by the test that owns it
    let process = Process()
    let logPath: String

    /// The built executable next to this test bundle.
    static func executable(_ name: String) -> URL {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [products, products.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return repositoryRoot.appendingPathComponent(".build/debug/\(name)")
    }

    init(_ name: String, _ arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = Self.executable(name)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.currentDirectoryURL = repositoryRoot
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.runSerialized()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits (bounded) for `key=<number>` in the log.
    func waitForNumber(after key: String, timeout: Double = 60) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, process.isRunning {
            if let range = log.range(of: key + #"=(\d+)"#, options: .regularExpression) {
                return Int(log[range].split(separator: "=")[1])!
            }
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        throw Failure.didNotStart(log)
    }

    enum Failure: Error { case didNotStart(String) }

    /// Sends a signal and waits (bounded) for the exit status; nil when it had to be killed.
    @discardableResult
    func stop(signal: Int32) -> Int32? {
        kill(process.processIdentifier, signal)
        return exitStatus(timeout: 30)
    }

    /// Waits (bounded) for the process to exit on its own; nil when it had to be killed.
    func exitStatus(timeout: Double = 60) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// A real siemd on loopback with its own database; restartable on the same port.
final class Siemd: @unchecked Sendable {  // used only by the test that owns it
    let database: String
    let folder: String
    private(set) var process: ChildProcess
    let port: Int
    private var starts = 0
    let environment: [String: String]

    init(folder: String, environment: [String: String] = [:]) throws {
        self.folder = folder
        self.database = folder + "/siem.sqlite3"
        self.environment = environment
        process = try ChildProcess(
            "siemd", ["--host", "127.0.0.1", "--port", "0", "--db", database], logPath: folder + "/siemd-0.stderr",
            environment: environment)
        port = try process.waitForNumber(after: "http.port")
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var ingestURL: String { baseURL + "/ingest" }

    func stop() {
        #expect(process.stop(signal: SIGTERM) == 0)
    }

    /// Starts siemd again on the same port and database.
    func restart() throws {
        starts += 1
        process = try ChildProcess(
            "siemd", ["--host", "127.0.0.1", "--port", "\(port)", "--db", database],
            logPath: folder + "/siemd-\(starts).stderr", environment: environment)
        _ = try process.waitForNumber(after: "http.port")
    }

    /// How many events siemd holds (`GET /health`); nil while it is unreachable.
    func eventCount() async -> Int? {
        guard
            let response = try? await HTTPClient.shared.execute(
                HTTPClientRequest(url: baseURL + "/health"), timeout: .seconds(10)),
            let body = try? await response.body.collect(upTo: 1 << 20),
            let health = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else { return nil }
        return health["events"] as? Int
    }

    /// Every stored event of `source`, oldest first, read with cursor paging.
    func events(source: String) async throws -> [[String: Any]] {
        var all: [[String: Any]] = []
        var cursor: String?
        repeat {
            var url = baseURL + "/events?limit=1000&source=\(source)"
            if let cursor { url += "&cursor=\(cursor)" }
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 64 << 20)
            let page = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as! [String: Any]
            all += page["items"] as! [[String: Any]]
            cursor = page["next_cursor"] as? String
        } while cursor != nil
        return all.reversed()
    }
}

/// Polls `condition` every 100 ms until it holds or `timeout` seconds pass; returns whether it
/// held. A throw counts as not yet.
func eventually(timeout: Double = 30, _ condition: () async throws -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return (try? await condition()) == true
}

/// Appends `text` to the file at `path`, creating it.
func append(_ text: String, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let count = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { throw POSIXError(.EIO) }
        done += count
    }
}
