import Foundation
import NIOConcurrencyHelpers

/// Runs a program to completion: the packet filter tools here, `ip` and `nft` in tests.
public enum Command {
    /// The program exited with a non-zero status.
    public struct Failure: Error, CustomStringConvertible {
        var executable: String
        var arguments: [String]
        var status: Int32
        /// What the program wrote to standard error.
        var standardError: String

        public var description: String { "\(executable) \(arguments.joined(separator: " ")): \(standardError)" }
    }

    /// Runs `executable` with `arguments` and returns its standard output; throws `Failure` (with
    /// its standard error) when it exits with a non-zero status, or the launch error.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Standard error is drained beside standard output: read one after the other, a program
        // that fills the stderr pipe while we wait on stdout would never finish.
        let err = NIOLockedValueBox(Data())
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            err.withLockedValue { $0 = data }
            drained.signal()
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                executable: executable, arguments: arguments, status: process.terminationStatus,
                standardError: String(decoding: err.withLockedValue { $0 }, as: UTF8.self))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
