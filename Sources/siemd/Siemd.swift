import ArgumentParser
import Foundation
import Logging
import SIEMCore
import SIEMEngine
import SIEMHTTP
import SIEMRules

@main
struct Siemd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siemd",
        abstract: "swift-siem server: ingest, detect, store, search.",
        version: siemVersion,
        subcommands: [Serve.self, CheckRules.self],
        defaultSubcommand: Serve.self
    )
}

extension Siemd {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the HTTP API (the default). Flags override SIEM_* variables.")

        @Option(help: "Address to bind (SIEM_HOST; default 127.0.0.1).") var host: String?
        @Option(help: "Port to listen on (SIEM_PORT; default 8000; 0 picks a free one).") var port: Int?
        @Option(help: "SQLite database file (SIEM_DB; default data/siem.sqlite3).") var db: String?
        @Option(help: "Rules file or folder (SIEM_RULES; default rules/default.yml).") var rules: String?

        func run() async throws {
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            var logger = Logger(label: "siemd")
            let environment = ProcessInfo.processInfo.environment
            logger.logLevel = environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
            var configuration: ServerConfiguration
            do {
                configuration = try ServerConfiguration(environment: environment)
            } catch {
                throw ValidationError("configuration: \(error)")
            }
            if let host { configuration.host = host }
            if let port {
                guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
                configuration.port = port
            }
            if let db { configuration.databasePath = db }
            if let rules { configuration.rulesPath = rules }
            raiseOpenFileLimit(logger: logger)
            do {
                let app = try SIEMServer.makeApplication(configuration: configuration, logger: logger)
                try await app.runService()
            } catch let error as RuleError {
                throw ValidationError("rules: \(error)")
            } catch let error as ValidationError {
                throw error
            } catch {
                throw ValidationError("siemd stopped: \(error)")
            }
        }
    }

    struct CheckRules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-rules",
            abstract: "Validate a rules file or folder; with --events, print every match as a JSON line.")

        @Option(help: "Rules file or folder.") var rules: String = "rules/default.yml"
        @Option(help: "NDJSON events or raw log lines to test the rules against.") var events: String?

        func run() async throws {
            let ruleSet: RuleSet
            do {
                ruleSet = try RuleFiles.load(path: rules)
            } catch {
                throw ValidationError("\(error)")
            }
            guard let events else {
                print("ok: \(ruleSet.rules.count) rules in \(rules)")
                return
            }
            guard let data = FileManager.default.contents(atPath: events) else {
                throw ValidationError("cannot read \(events)")
            }
            let analyzer = EventAnalyzer(rules: ruleSet)
            let matches = try RuleTester(analyzer: analyzer).run(data, at: Date()) { line in print(line) }
            FileHandle.standardError.write(Data("\(matches) matches\n".utf8))
        }
    }
}

/// Every connection holds a descriptor: take the hard limit (often far above the soft 1,024) so
/// a burst of clients does not run siemd out of them; idle ones are closed by the idle timeout.
func raiseOpenFileLimit(logger: Logger) {
    var limit = rlimit()
    guard getrlimit(openFilesResource, &limit) == 0 else { return }
    if limit.rlim_cur < limit.rlim_max {
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        if setrlimit(openFilesResource, &raised) == 0 { limit = raised }
    }
    logger.info("open file limit", metadata: ["fd.limit": "\(limit.rlim_cur)"])
}

#if os(Linux)
    let openFilesResource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#else
    let openFilesResource = RLIMIT_NOFILE
#endif
