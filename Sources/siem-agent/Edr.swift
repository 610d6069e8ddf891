import ArgumentParser
import Foundation
import Logging
import SIEMAgent

extension SiemAgent {
    /// `siem-agent edr`: the endpoint agent (the reference's `scripts/edr_agent.py`).
    struct Edr: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Endpoint agent: register, send process/socket/login telemetry, run response actions.",
            discussion: "SIEM_API_KEY, when set, is sent as x-api-key and Authorization: Bearer.")

        @Option(help: "SIEM server base URL.") var server: String = "http://127.0.0.1:8000"
        @Option(help: "Seconds between telemetry rounds.") var interval: Double = 10
        @Flag(help: "Execute response actions (otherwise each is reported as refused).") var allowResponse = false
        @Option(
            help:
                "State file (identity, firewall state). Default: /var/lib/siem-agent/edr.json as root, else ~/.siem-agent/edr.json."
        )
        var state: String?
        @Option(help: "Local audit log of executed actions (JSON lines). Default: next to the state file.")
        var auditLog: String?
        @Option(help: "Seconds between SIGTERM and SIGKILL for kill_process.") var killGrace: Double = 5
        @Option(help: "Largest file collect_file_hash reads, in bytes.") var maxHashBytes: Int = 1 << 30
        @Option(
            name: .customLong("hash-path"),
            help: ArgumentHelp(
                "A folder collect_file_hash may read under; repeat for more (replaces the default list).",
                discussion:
                    "Default: \(EDRConfiguration.defaultHashPaths.joined(separator: " ")). Checked after resolving symlinks and '..'; /proc, /sys, /dev, shadow/sudoers files, SSH and GnuPG private keys and the agent's and siemd's state are refused even inside these.",
                valueName: "prefix"))
        var hashPaths: [String] = []
        @Option(help: "Packet filter for blocking and isolation: auto (nft, else iptables), nft or iptables.")
        var firewall: FirewallChoice = .auto

        func validate() throws {
            guard interval >= 0.2, interval <= 3600 else {
                throw ValidationError("--interval must be 0.2...3600 seconds")
            }
            guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw ValidationError("--server must be an http(s) URL such as http://127.0.0.1:8000")
            }
            guard killGrace >= 0, killGrace <= 300 else { throw ValidationError("--kill-grace must be 0...300") }
            guard maxHashBytes > 0 else { throw ValidationError("--max-hash-bytes must be positive") }
            for prefix in hashPaths where !prefix.hasPrefix("/") || prefix.contains("\0") {
                throw ValidationError("--hash-path must be an absolute folder path: \(prefix)")
            }
        }

        func run() async throws {
            let configuration = EDRConfiguration(
                server: server, interval: interval, allowResponse: allowResponse, statePath: state,
                auditLogPath: auditLog, apiKey: SiemAgent.apiKey, killGrace: killGrace, maxHashBytes: maxHashBytes,
                hashPaths: hashPaths, firewall: firewall)
            try await EDRAgent(configuration: configuration, logger: Logger(label: "siem-agent.edr")).run()
        }
    }
}

extension FirewallChoice: ExpressibleByArgument {}
