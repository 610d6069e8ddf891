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
        subcommands: [Serve.self, CheckRules.self, Keys.self],
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

extension Siemd {
    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage the named API keys of SIEM_API_KEYS_FILE.", subcommands: [Add.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create a key for NAME with a role; prints the key once (only its SHA-256 is stored).")

            @Argument(help: "The identity's name (letters, digits, `.`, `_`, `-`, `@`).") var name: String
            @Option(help: "admin, analyst, agent or reader.") var role: String
            @Option(help: "The keys file (default: SIEM_API_KEYS_FILE, else data/api-keys).") var file: String?

            func run() throws {
                guard let role = Role(rawValue: role.lowercased()) else {
                    throw ValidationError(
                        "--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard APIKeys.isValidName(name) else {
                    throw ValidationError("a key name is 1 to 64 letters, digits, `.`, `_`, `-` or `@`")
                }
                let path = file ?? ProcessInfo.processInfo.environment["SIEM_API_KEYS_FILE"] ?? "data/api-keys"
                let existing =
                    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
                do {
                    let keys = try APIKeys.parse(existing, path: path)
                    guard !keys.entries.contains(where: { $0.identity.name == name }) else {
                        throw ValidationError("\(path) already has a key named \(name)")
                    }
                } catch let error as ConfigurationError {
                    throw ValidationError("\(error.problem)")
                }
                let (key, line) = APIKeys.generate(name: name, role: role)
                let directory = (path as NSString).deletingLastPathComponent
                if !directory.isEmpty {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                }
                let separator = existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n"
                let text = existing + separator + line + "\n"
                guard
                    FileManager.default.createFile(
                        atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
                else { throw ValidationError("cannot write \(path)") }
                print(key)
                FileHandle.standardError.write(
                    Data(
                        "\(name) (\(role.rawValue)) added to \(path); the key above is shown only now. Start siemd with SIEM_API_KEYS_FILE=\(path).\n"
                            .utf8))
            }
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
