import Foundation
import SIEMCore
import SIEMEngine
import SIEMRules
import SIEMStore

/// Everything siemd is configured with, parsed once at start from flags and environment.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8000
    public var databasePath: String = "data/siem.sqlite3"
    /// Rules files and folders, separated by commas (`SIEM_RULES`, `--rules`).
    public var rulesPath: String = ServerConfiguration.defaultRulesPath
    /// The Sigma configuration (`SIEM_SIGMA_CONFIG`); nil: `rules/sigma/config.yml` when it exists.
    public var sigmaConfigPath: String?
    /// Reload the rules on `SIGHUP` (siemd's `serve` sets it).
    public var reloadRulesOnHangup = false
    public var sync: SyncMode = .full
    public var maxBodyBytes: Int = 1_048_576
    /// The most events one ingest request may carry.
    public var maxEventsPerRequest: Int = 100_000
    /// `SIEM_IDLE_TIMEOUT`: seconds a connection may stay open with no request in progress.
    public var idleTimeout: Double = 60
    /// `SIEM_REQUEST_HEAD_TIMEOUT`: seconds from a request's first byte to the end of its headers.
    public var requestHeadTimeout: Double = 10
    /// The zone of log times that carry none (RFC 3164 syslog, CEF `rt` without a zone).
    public var logTimeZone: TimeZone = TimeZone(identifier: "UTC")!
    /// Authentication, trusted hosts and rate limiting.
    public var security = SecurityConfiguration()
    /// `requested_by` values allowed to queue dangerous EDR actions; `*` allows anyone; empty allows none.
    public var edrDangerousActionAllowlist: [String] = []
    /// How long a polled EDR action waits for its result before it is offered again.
    public var edrLeaseSeconds: Int = 120
    /// How long a queued EDR action waits for its agent by default.
    public var edrActionExpirySeconds: Int = 3600
    /// An endpoint not seen for this long is listed as offline.
    public var edrOfflineAfterSeconds: Int = 120
    /// MDR webhook and incident automation (`MDR_*`).
    public var mdr = MDRConfiguration()
    /// Threat-intel feeds and their fetch limits (`SIEM_TI_FEEDS`, `SIEM_TI_REFRESH_INTERVAL`, …).
    public var threatIntelFeeds = ThreatIntelFeeds.Configuration()
    /// The cap on open threshold and correlation groups (`SIEM_CORRELATION_MAX_GROUPS`).
    public var correlationMaxGroups = 100_000
    /// How long repeats of a `ti_*` alert (same IOC and host) fold into the first
    /// (`SIEM_TI_SUPPRESS`, a duration such as `1h`; `0` raises every match).
    public var threatIntelSuppression: TimeInterval? = 3600
    /// How far behind the newest committed event searches may be (`SIEM_INDEX_LAG`: `1s`,
    /// `250ms`, `5s` index in the background; `0`, the default for now, indexes in each ingest
    /// transaction). See `IndexMode`.
    public var indexMode: IndexMode = .inline

    public init() {}

    /// The native default rules and the shipped SigmaHQ snapshot.
    public static let defaultRulesPath = "rules/default.yml,rules/sigma/sigmahq"
    public static let defaultSigmaConfigPath = "rules/sigma/config.yml"

    /// Where the rules come from. The default rules path names the snapshot folder only when it
    /// exists, and the default Sigma configuration is used only when present, so siemd also runs
    /// from a folder that has only `rules/default.yml`.
    public var ruleSource: RuleService.Source {
        var rules = rulesPath
        if rules == Self.defaultRulesPath {
            rules = RuleFiles.paths(rules).filter { FileManager.default.fileExists(atPath: $0) }.joined(separator: ",")
        }
        let sigma =
            sigmaConfigPath
            ?? (FileManager.default.fileExists(atPath: Self.defaultSigmaConfigPath) ? Self.defaultSigmaConfigPath : nil)
        return RuleService.Source(rules: rules, sigmaConfig: sigma)
    }

    /// The part of the configuration the engine works with.
    public var engine: Engine.Configuration {
        var engine = Engine.Configuration()
        engine.logTimeZone = logTimeZone
        engine.mdr = mdr
        engine.edr.dangerousActionAllowlist = edrDangerousActionAllowlist
        engine.edr.leaseSeconds = edrLeaseSeconds
        engine.edr.actionExpirySeconds = edrActionExpirySeconds
        engine.edr.offlineAfterSeconds = edrOfflineAfterSeconds
        engine.edr.serverHost = host
        engine.threatIntelFeeds = threatIntelFeeds
        engine.reloadRulesOnHangup = reloadRulesOnHangup
        engine.correlationMaxGroups = correlationMaxGroups
        engine.threatIntelSuppression = threatIntelSuppression
        return engine
    }

    /// Reads the `SIEM_*` variables; a bad value throws an error that names the variable.
    public init(environment: [String: String]) throws(ConfigurationError) {
        self.init()
        let reader = EnvironmentReader(environment)
        host = reader.string("SIEM_HOST") ?? host
        port = try reader.int("SIEM_PORT", in: 0...65535) ?? port
        databasePath = reader.string("SIEM_DB") ?? databasePath
        rulesPath = reader.string("SIEM_RULES") ?? rulesPath
        sigmaConfigPath = reader.string("SIEM_SIGMA_CONFIG") ?? sigmaConfigPath
        sync = try reader.choice("SIEM_SYNC", SyncMode.self) ?? sync
        maxBodyBytes = try reader.int("SIEM_MAX_BODY_BYTES", in: 1...(1 << 30)) ?? maxBodyBytes
        maxEventsPerRequest = try reader.int("SIEM_MAX_EVENTS_PER_REQUEST", in: 1...10_000_000) ?? maxEventsPerRequest
        idleTimeout = try reader.double("SIEM_IDLE_TIMEOUT", in: 0.1...86_400) ?? idleTimeout
        requestHeadTimeout = try reader.double("SIEM_REQUEST_HEAD_TIMEOUT", in: 0.1...3600) ?? requestHeadTimeout
        correlationMaxGroups =
            try reader.int("SIEM_CORRELATION_MAX_GROUPS", in: 1...100_000_000) ?? correlationMaxGroups
        if let text = reader.string("SIEM_TI_SUPPRESS") {
            guard let window = Timespan.parse(text) ?? Double(text) else {
                throw ConfigurationError(
                    variable: "SIEM_TI_SUPPRESS", problem: "expected a duration such as 1h, 30m or 0, got \"\(text)\"")
            }
            threatIntelSuppression = window > 0 ? window : nil
        }
        if let text = reader.string("SIEM_INDEX_LAG") {
            guard let mode = Self.indexMode(text) else {
                throw ConfigurationError(
                    variable: "SIEM_INDEX_LAG",
                    problem: "expected a duration from 10ms to 60s such as 1s or 250ms, or 0, got \"\(text)\"")
            }
            indexMode = mode
        }
        if let zone = reader.string("SIEM_LOG_TIMEZONE") {
            guard let timeZone = TimeZone(identifier: zone) else {
                throw ConfigurationError(
                    variable: "SIEM_LOG_TIMEZONE",
                    problem: "expected an IANA zone such as Europe/Berlin or UTC, got \"\(zone)\"")
            }
            logTimeZone = timeZone
        }
        security = try SecurityConfiguration(reader)
        edrDangerousActionAllowlist = reader.list("EDR_DANGEROUS_ACTION_ALLOWLIST") ?? edrDangerousActionAllowlist
        edrLeaseSeconds = try reader.int("EDR_ACTION_LEASE_SECONDS", in: 1...86_400) ?? edrLeaseSeconds
        edrActionExpirySeconds = try reader.int("EDR_ACTION_EXPIRY_SECONDS", in: 1...604_800) ?? edrActionExpirySeconds
        edrOfflineAfterSeconds = try reader.int("EDR_OFFLINE_AFTER_SECONDS", in: 1...86_400) ?? edrOfflineAfterSeconds
        mdr = try MDRConfiguration(reader)
        threatIntelFeeds = try ThreatIntelFeeds.Configuration(reader)
    }
}

extension ServerConfiguration {
    /// `0` (inline), or a lag from 10 ms to 60 s written as `250ms`, `1s`, `1m`, or seconds (`0.5`).
    static func indexMode(_ text: String) -> IndexMode? {
        let milliseconds: Double?
        if text.hasSuffix("ms") {
            milliseconds = Double(text.dropLast(2))
        } else if let seconds = Timespan.parse(text) {
            milliseconds = seconds * 1000
        } else {
            milliseconds = Double(text).map { $0 * 1000 }
        }
        guard let milliseconds, milliseconds.isFinite else { return nil }
        if milliseconds == 0 { return .inline }
        guard (10...60_000).contains(milliseconds) else { return nil }
        return .background(lag: .milliseconds(Int64(milliseconds.rounded())))
    }
}

extension ThreatIntelFeeds.Configuration {
    init(_ reader: EnvironmentReader) throws(ConfigurationError) {
        self.init()
        for (index, text) in (reader.list("SIEM_TI_FEEDS") ?? []).enumerated() {
            do {
                feeds.append(try FeedSpec(parsing: text))
            } catch {
                throw ConfigurationError(variable: "SIEM_TI_FEEDS", problem: "feed \(index + 1): \(error.detail)")
            }
        }
        if let text = reader.string("SIEM_TI_REFRESH_INTERVAL") {
            do {
                defaultInterval = try FeedOptions.interval(text)
            } catch {
                throw ConfigurationError(variable: "SIEM_TI_REFRESH_INTERVAL", problem: error.detail)
            }
        }
        fetch.maxBytes = try reader.int("SIEM_TI_FEED_MAX_BYTES", in: 1024...(1 << 34)) ?? fetch.maxBytes
        fetch.timeout = try reader.double("SIEM_TI_FEED_TIMEOUT", in: 0.1...3600) ?? fetch.timeout
    }
}

extension MDRConfiguration {
    init(_ reader: EnvironmentReader) throws(ConfigurationError) {
        self.init()
        if let url = reader.string("MDR_WEBHOOK_URL") {
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
                scheme == "http" || scheme == "https", components.host?.isEmpty == false
            else {
                throw ConfigurationError(
                    variable: "MDR_WEBHOOK_URL", problem: "expected an http:// or https:// URL with a host")
            }
            webhookURL = url
        }
        webhookSecret = reader.string("MDR_WEBHOOK_SECRET")
        webhookTimeout = try reader.double("MDR_WEBHOOK_TIMEOUT", in: 0.01...300) ?? webhookTimeout
        webhookQueueSize = try reader.int("MDR_WEBHOOK_QUEUE_SIZE", in: 1...10_000_000) ?? webhookQueueSize
        webhookQueueBytes = try reader.int("MDR_WEBHOOK_QUEUE_BYTES", in: 1024...(1 << 40)) ?? webhookQueueBytes
        webhookMaxAttempts = try reader.int("MDR_WEBHOOK_MAX_ATTEMPTS", in: 1...100) ?? webhookMaxAttempts
        webhookRetryDelay = try reader.double("MDR_WEBHOOK_RETRY_DELAY", in: 0...3600) ?? webhookRetryDelay
        autoCreateIncidents = try reader.bool("MDR_AUTO_CREATE_INCIDENTS") ?? autoCreateIncidents
        autoCreateMinSeverity =
            try reader.choice("MDR_AUTO_CREATE_MIN_SEVERITY", Severity.self) ?? autoCreateMinSeverity
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
