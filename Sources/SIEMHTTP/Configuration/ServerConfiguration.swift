import Foundation
import SIEMStore

/// Everything siemd is configured with, parsed once at start from flags and environment.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8000
    public var databasePath: String = "data/siem.sqlite3"
    public var rulesPath: String = "rules/default.yml"
    public var sync: SyncMode = .full
    public var maxBodyBytes: Int = 1_048_576
    /// The most events one ingest request may carry.
    public var maxEventsPerRequest: Int = 100_000
    /// Authentication, trusted hosts and rate limiting.
    public var security = SecurityConfiguration()

    public init() {}

    /// Reads the `SIEM_*` variables; a bad value throws an error that names the variable.
    public init(environment: [String: String]) throws(ConfigurationError) {
        self.init()
        let reader = EnvironmentReader(environment)
        host = reader.string("SIEM_HOST") ?? host
        port = try reader.int("SIEM_PORT", in: 0...65535) ?? port
        databasePath = reader.string("SIEM_DB") ?? databasePath
        rulesPath = reader.string("SIEM_RULES") ?? rulesPath
        sync = try reader.choice("SIEM_SYNC", SyncMode.self) ?? sync
        maxBodyBytes = try reader.int("SIEM_MAX_BODY_BYTES", in: 1...(1 << 30)) ?? maxBodyBytes
        maxEventsPerRequest = try reader.int("SIEM_MAX_EVENTS_PER_REQUEST", in: 1...10_000_000) ?? maxEventsPerRequest
        security = try SecurityConfiguration(reader)
    }
}

/// A configuration value siemd cannot start with.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var variable: String
    public var problem: String

    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }
}

/// Typed reads of environment variables.
struct EnvironmentReader {
    let environment: [String: String]

    init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// Whether the variable is present, even if empty.
    func isSet(_ name: String) -> Bool { environment[name] != nil }

    func string(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(
                variable: name,
                problem: "expected a whole number in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    func double(_ name: String, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), range.contains(value) else {
            throw ConfigurationError(
                variable: name,
                problem: "expected a number in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    func bool(_ name: String) throws(ConfigurationError) -> Bool? {
        guard let text = string(name)?.lowercased() else { return nil }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variable: name, problem: "expected true or false, got \"\(text)\"")
        }
    }

    func list(_ name: String) -> [String]? {
        guard let text = string(name) else { return nil }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws(ConfigurationError) -> T?
    where T.RawValue == String {
        guard let text = string(name) else { return nil }
        guard let value = T(rawValue: text.lowercased()) else {
            throw ConfigurationError(
                variable: name,
                problem: "expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
        }
        return value
    }
}
