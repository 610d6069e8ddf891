import ArgumentParser
import Foundation
import Logging
import SIEMCore
import SIEMEngine
import SIEMHTTP
import SIEMRules

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@main
struct Siemd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siemd",
        abstract: "swift-siem server: ingest, detect, store, search.",
        version: siemVersion,
        subcommands: [Serve.self, CheckRules.self, Keys.self, ThreatIntel.self],
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
        @Option(
            help:
                "Rules files and folders, comma-separated (SIEM_RULES; default rules/default.yml,rules/sigma/sigmahq).")
        var rules: String?

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
            configuration.reloadRulesOnHangup = true
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
            abstract: "Load rules files and folders and say which rules were skipped and why; with --events, "
                + "print every match as a JSON line, then every correlation and threshold alert.",
            discussion: """
                Lines are processed in file order, each at its own event time. After the last line, one JSON \
                line per correlation or threshold alert: rule_id, kind (correlation or threshold), group, \
                first_window_end, count and lines (the 1-based lines of every event behind it). Rules that only \
                feed correlations print no match of their own.
                """)

        @Option(help: "Rules files and folders, separated by commas (default: SIEM_RULES, else siemd's default).")
        var rules: String?
        @Option(help: "The Sigma configuration (default: SIEM_SIGMA_CONFIG, else rules/sigma/config.yml).")
        var sigmaConfig: String?
        @Option(help: "NDJSON events or raw log lines to test the rules against.") var events: String?
        @Flag(help: "Evaluate every Sigma rule's detection on every event, whatever its logsource.")
        var ignoreLogsource = false
        @Flag(help: "Print only rule_id and line for each match (correlation alerts are printed in full).")
        var quiet = false
        @Flag(help: "Exit with status 1 when any rule was skipped.") var strict = false

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            var configuration = ServerConfiguration()
            configuration.rulesPath = rules ?? environment["SIEM_RULES"] ?? configuration.rulesPath
            configuration.sigmaConfigPath = sigmaConfig ?? environment["SIEM_SIGMA_CONFIG"]
            var source = configuration.ruleSource
            source.ignoreLogsource = ignoreLogsource
            let service: RuleService
            do {
                service = try RuleService(source: source)
            } catch {
                throw ValidationError("\(error)")
            }
            let ruleSet = service.current
            // With --events, stdout carries the matches only; the summary goes to stderr.
            let summary: (String) -> Void =
                events == nil ? { print($0) } : { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            for line in CheckRulesReport.lines(ruleSet) { summary(line) }
            if let events {
                guard let data = FileManager.default.contents(atPath: events) else {
                    throw ValidationError("cannot read \(events)")
                }
                let analyzer = EventAnalyzer(rules: ruleSet)
                let matches = try RuleTester(analyzer: analyzer).run(data, at: Date(), quiet: quiet) { print($0) }
                summary("\(matches) matches and correlation alerts")
            }
            if ruleSet.rules.isEmpty || (strict && !ruleSet.skipped.isEmpty) { throw ExitCode(1) }
        }
    }
}

/// The summary `siemd check-rules` prints: one line per file with skipped rules, then the totals.
enum CheckRulesReport {
    static func lines(_ set: RuleSet) -> [String] {
        var order: [String] = []
        var byFile: [String: [SkippedRule]] = [:]
        for skipped in set.skipped {
            if byFile[skipped.file] == nil { order.append(skipped.file) }
            byFile[skipped.file, default: []].append(skipped)
        }
        var lines = order.map { file in
            let entries = byFile[file]!.map { "\($0.ruleID ?? "-"): \($0.reason)" }
            return "\(file): skipped \(entries.joined(separator: "; "))"
        }
        let unmapped = set.rules.filter {
            if case .noEvent = $0.scope { return true }
            return false
        }.count
        let correlations = set.correlations.filter { !$0.inputs.isEmpty }.count
        lines.append(
            "loaded \(set.rules.count), skipped \(set.skipped.count)"
                + (unmapped > 0 ? " (\(unmapped) loaded rules match no event: their log source is not mapped)" : "")
                + (correlations > 0 ? "; \(correlations) correlation and threshold rules" : ""))
        return lines
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

extension Siemd {
    struct ThreatIntel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ti", abstract: "Threat intel on a running siemd.", subcommands: [Import.self])

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Import IOCs through POST /ti/iocs/import: a file, - (standard input), or a feed URL siemd fetches once.",
                discussion: """
                    Formats: one value per line, CSV (type,value,… or --column), STIX 2.1, MISP event JSON, a MISP \
                    feed's manifest.json (URL only: its event files are fetched) and TAXII 2.1 collections (URL only). \
                    To keep a feed up to date, add it with POST /ti/feeds or SIEM_TI_FEEDS instead.
                    """)

            @Argument(help: "A file, - for standard input, or an http(s):// feed URL.") var input: String
            @Option(help: "siemd's base URL (default http://SIEM_HOST:SIEM_PORT, else http://127.0.0.1:8000).")
            var server: String?
            @Option(help: "Type of values that do not name one: ip, domain, sha256, sha1, md5.") var type: String?
            @Option(help: "csv, list, json, stix, misp or taxii (default: detected).") var format: String?
            @Option(help: "The CSV column of the values: a number from 1 or a header name.") var column: String?
            @Option(help: "Source of entries without one (default import).") var source: String?
            @Option(help: "Note of entries without one.") var note: String?
            @Option(help: "Severity of entries without one: low, medium, high (default), critical.") var severity:
                String?
            @Option(help: "Expiry of entries without one (RFC 3339 or Unix epoch).") var expiresAt: String?
            @Option(help: "API key (default SIEM_API_KEY); SIEM_BASIC_USER/SIEM_BASIC_PASS are used when set.")
            var apiKey: String?

            func validate() throws {
                var options = FeedOptions()
                do {
                    for (name, value) in [
                        ("type", type), ("format", format), ("column", column), ("severity", severity),
                    ] {
                        if let value { try options.set(name, value) }
                    }
                } catch {
                    throw ValidationError(error.detail)
                }
            }

            func run() async throws {
                let environment = ProcessInfo.processInfo.environment
                var components = URLComponents(string: server ?? Self.defaultServer(environment))
                components?.path = "/ti/iocs/import"
                let query = [
                    ("type", type), ("format", format), ("column", column), ("source", source), ("note", note),
                    ("severity", severity), ("expires_at", expiresAt),
                ].compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
                components?.queryItems = query.isEmpty ? nil : query
                guard let url = components?.url else { throw ValidationError("--server must be a URL") }
                var request = URLRequest(url: url)
                request.httpMethod = "POST"
                if input.hasPrefix("http://") || input.hasPrefix("https://") {
                    request.setValue("application/json", forHTTPHeaderField: "content-type")
                    request.httpBody = Data(JSONBody.text { $0.object([("url", { $0.string(input) })]) }.utf8)
                } else {
                    let data =
                        input == "-"
                        ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: input)
                    guard let data else { throw ValidationError("cannot read \(input)") }
                    let json = data.first { $0 > 0x20 }.map { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") }
                    request.setValue(
                        json == true ? "application/json" : "text/plain", forHTTPHeaderField: "content-type")
                    request.httpBody = data
                }
                if let key = apiKey ?? environment["SIEM_API_KEY"], !key.isEmpty {
                    request.setValue(key, forHTTPHeaderField: "x-api-key")
                } else if let user = environment["SIEM_BASIC_USER"], let password = environment["SIEM_BASIC_PASS"] {
                    let token = Data("\(user):\(password)".utf8).base64EncodedString()
                    request.setValue("Basic \(token)", forHTTPHeaderField: "authorization")
                }
                // Without authentication, the audit log names the local user.
                if let user = environment["USER"], !user.isEmpty {
                    request.setValue(user, forHTTPHeaderField: "x-siem-user")
                }
                request.timeoutInterval = 600
                let (data, response): (Data, URLResponse)
                do {
                    (data, response) = try await URLSession.shared.data(for: request)
                } catch {
                    throw ValidationError(
                        "cannot reach siemd at \(url.host ?? "?"):\(url.port ?? 80): \(error.localizedDescription)")
                }
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
                guard (200..<300).contains(status) else {
                    throw ValidationError(
                        "siemd answered \(status): \(json["detail"] as? String ?? String(decoding: data, as: UTF8.self))"
                    )
                }
                print(String(decoding: data, as: UTF8.self))
                let summary =
                    "imported \(json["imported"] as? Int ?? 0) (created \(json["created"] as? Int ?? 0), updated "
                    + "\(json["updated"] as? Int ?? 0)), rejected \(json["rejected_count"] as? Int ?? 0), skipped "
                    + "\(json["skipped"] as? Int ?? 0)\n"
                FileHandle.standardError.write(Data(summary.utf8))
            }

            static func defaultServer(_ environment: [String: String]) -> String {
                var host = environment["SIEM_HOST"] ?? "127.0.0.1"
                if host == "0.0.0.0" || host == "::" || host.isEmpty { host = "127.0.0.1" }
                if host.contains(":") { host = "[\(host)]" }
                return "http://\(host):\(environment["SIEM_PORT"] ?? "8000")"
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
