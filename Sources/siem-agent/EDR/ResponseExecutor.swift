import Foundation
import SIEMCore

/// Runs one response action on this endpoint, keeping the firewall state in the agent state.
struct ResponseExecutor {
    let settings: EDRSettings
    let client: EDRClient

    func execute(type: String, params: [String: JSONValue], state: inout AgentState) async -> ActionOutcome {
        guard settings.allowResponse else {
            return .refused("response actions are disabled on this agent (start it with --allow-response)")
        }
        switch type {
        case "collect_file_hash":
            guard let path = params["path"]?.stringValue, path.hasPrefix("/") else {
                return .failed("params.path must be an absolute path")
            }
            return FileHasher.hash(path: path, maxBytes: settings.maxHashBytes)
        case "kill_process":
            guard let pidText = params["pid"]?.scalarText, let pid = Int32(pidText) else {
                return .failed("params.pid must be a process id")
            }
            let start = params["start_time"]?.scalarText.flatMap { UInt64($0) }
            return await ProcessKiller.kill(pid: pid, expectedStart: start, grace: settings.killGrace)
        case "block_ip", "unblock_ip":
            guard let text = params["ip"]?.stringValue, let ip = IPAddress.canonical(text) else {
                return .failed("params.ip must be an IP address")
            }
            if type == "block_ip", serverAddresses().contains(ip) || ip.hasPrefix("127.") || ip == "::1" {
                return .refused("refusing to block \(ip): it is loopback or the SIEM server")
            }
            return firewall { firewall in
                var blocked = state.blockedIPs.filter { $0 != ip }
                if type == "block_ip" { blocked.append(ip) }
                try firewall.applyBlocks(blocked)
                state.blockedIPs = blocked
                return .succeeded(["ip": .string(ip), "blocked": .bool(type == "block_ip")])
            }
        case "isolate_endpoint":
            let server = serverAddresses()
            guard !server.isEmpty else { return .failed("cannot resolve the SIEM server address; not isolated") }
            let applied = firewall { firewall in
                try firewall.isolate(server: server, nameservers: Firewall.nameservers())
                return .succeeded(["isolated": .bool(true), "allowed": .array(server.map { .string($0) })])
            }
            guard applied.status == "succeeded" else { return applied }
            if await client.reachable() {
                state.isolated = true
                return applied
            }
            let rolledBack = firewall { firewall in
                try firewall.unisolate()
                return .succeeded([:])
            }
            state.isolated = false
            return .failed(
                "the SIEM server was unreachable after isolating; isolation rolled back"
                    + (rolledBack.status == "succeeded" ? "" : " (rollback failed: \(rolledBack.error ?? ""))"))
        case "unisolate_endpoint":
            let outcome = firewall { firewall in
                try firewall.unisolate()
                return .succeeded(["isolated": .bool(false)])
            }
            if outcome.status == "succeeded" { state.isolated = false }
            return outcome
        default:
            return .refused("unknown action type \(type)")
        }
    }

    /// Runs a firewall change when root and a packet filter are available.
    func firewall(_ body: (any FirewallBackend) throws -> ActionOutcome) -> ActionOutcome {
        guard geteuid() == 0 else { return .failed("requires root") }
        do {
            return try body(try settings.firewall.backend().get())
        } catch {
            return .failed("\(error)")
        }
    }

    func serverAddresses() -> [String] {
        guard let host = URL(string: settings.server)?.host else { return [] }
        let trimmed = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if let literal = IPAddress.canonical(trimmed) { return [literal] }
        return Firewall.resolve(trimmed).compactMap { IPAddress.canonical($0) }
    }
}
