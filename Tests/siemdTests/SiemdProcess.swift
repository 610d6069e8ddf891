import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SIEMTestSupport

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A real `siemd` process on a loopback port, for tests of what only a process shows:
/// signals, crashes, restarts.
final class SiemdProcess: @unchecked Sendable {  // mutated only from the test that owns it
    let process = Process()
    let port: Int
    private let stderr = Pipe()
    private(set) var log = ""

    /// The built `siemd` next to this test bundle.
    static var executable: URL {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [products, products.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("siemd")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return repositoryRoot.appendingPathComponent(".build/debug/siemd")
    }

    /// Starts siemd on port 0 and waits (bounded) until it logs the port it bound.
    /// With `openFiles`, siemd runs with that limit on file descriptors (`ulimit -n`, soft and hard).
    init(arguments: [String], environment: [String: String] = [:], openFiles: Int? = nil) throws {
        let arguments = ["--host", "127.0.0.1", "--port", "0"] + arguments
        if let openFiles {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments =
                ["-c", "ulimit -n \(openFiles) && exec \"$0\" \"$@\"", Self.executable.path] + arguments
        } else {
            process.executableURL = Self.executable
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.currentDirectoryURL = repositoryRoot
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.runSerialized()
        var found: Int?
        let deadline = Date().addingTimeInterval(30)
        let handle = stderr.fileHandleForReading
        while found == nil, Date() < deadline, process.isRunning {
            let data = handle.availableData
            if data.isEmpty { break }
            log += String(decoding: data, as: UTF8.self)
            if let range = log.range(of: #"http.port=(\d+)"#, options: .regularExpression) {
                found = Int(log[range].split(separator: "=")[1])
            }
        }
        guard let found else {
            process.terminate()
            throw ProcessError.didNotStart(log)
        }
        port = found
    }

    enum ProcessError: Error { case didNotStart(String) }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Sends a signal and waits (bounded) for the exit status.
    func stop(signal: Int32) -> Int32? {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        log += String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// One HTTP call with AsyncHTTPClient; returns status and body text.
func http(
    _ method: HTTPMethod, _ url: String, body: String? = nil, contentType: String = "application/json"
) async throws -> (status: Int, body: String) {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let body {
        request.headers.add(name: "content-type", value: contentType)
        request.body = .bytes(ByteBuffer(string: body))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let buffer = try await response.body.collect(upTo: 16 << 20)
    return (Int(response.status.code), String(buffer: buffer))
}

/// Runs `siemd` with `arguments` to its end (from the repository root): exit status and stdout.
func runSiemd(_ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = SiemdProcess.executable
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.runSerialized()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
