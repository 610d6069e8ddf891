import Foundation

/// What `siem-agent edr` runs with.
public struct EDRConfiguration: Sendable {
    /// The SIEM server's base URL, without a trailing slash.
    var server: String
    /// Seconds between telemetry rounds.
    var interval: Double
    /// Execute response actions (otherwise each is reported as refused).
    var allowResponse: Bool
    /// Identity and firewall state.
    var statePath: String
    /// Executed actions, one JSON line each.
    var auditLogPath: String
    /// Sent as `x-api-key` and `Authorization: Bearer` when set.
    var apiKey: String?
    /// Seconds between SIGTERM and SIGKILL for `kill_process`.
    var killGrace: Double
    /// The largest file `collect_file_hash` reads, in bytes.
    var maxHashBytes: Int
    /// The folders `collect_file_hash` may read under (`HashPathPolicy` denies some files in them).
    var hashPaths: [String]
    var firewall: FirewallChoice

    /// Without `statePath`, `/var/lib/siem-agent/edr.json` as root, else `~/.siem-agent/edr.json`;
    /// without `auditLogPath`, `edr-audit.log` next to the state file; with `hashPaths` empty,
    /// `defaultHashPaths`.
    public init(
        server: String, interval: Double, allowResponse: Bool, statePath: String?, auditLogPath: String?,
        apiKey: String?, killGrace: Double, maxHashBytes: Int, hashPaths: [String] = [], firewall: FirewallChoice
    ) {
        let statePath = statePath ?? Self.defaultStatePath()
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.interval = interval
        self.allowResponse = allowResponse
        self.statePath = statePath
        self.auditLogPath =
            auditLogPath ?? (statePath as NSString).deletingLastPathComponent.appending("/edr-audit.log")
        self.apiKey = apiKey
        self.killGrace = killGrace
        self.maxHashBytes = maxHashBytes
        self.hashPaths = hashPaths.isEmpty ? Self.defaultHashPaths : hashPaths
        self.firewall = firewall
    }

    /// What `collect_file_hash` may read without `--hash-path`.
    public static var defaultHashPaths: [String] { HashPathPolicy.defaultPrefixes }

    static func defaultStatePath() -> String {
        if geteuid() == 0 { return "/var/lib/siem-agent/edr.json" }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? FileManager.default.currentDirectoryPath
        return home + "/.siem-agent/edr.json"
    }
}
