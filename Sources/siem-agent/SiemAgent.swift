import ArgumentParser
import Foundation
import Logging

@main
struct SiemAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siem-agent",
        abstract: "Ship log files (tail), network syslog (syslog) and endpoint telemetry (edr) to siemd.",
        subcommands: [Tail.self, Syslog.self, Edr.self]
    )

    /// Bootstraps logging to standard error once per process; `LOG_LEVEL` sets the level.
    static func makeLogger(label: String) -> Logger {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: label)
        logger.logLevel =
            ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) }
            ?? .info
        return logger
    }

    /// `SIEM_API_KEY`, when set and not empty.
    static var apiKey: String? {
        ProcessInfo.processInfo.environment["SIEM_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    }
}
