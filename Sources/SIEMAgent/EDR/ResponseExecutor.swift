import Foundation
import SIEMCore

/// Runs one response action on this endpoint, keeping the firewall state in the agent state.
struct ResponseExecutor {
    let configuration: EDRConfiguration
    let client: EDRClient

    /// Runs the action named `typeName` when response actions are allowed and the type is known.
    func execute(typeName: String, params: [String: JSONValue], state: inout AgentState) async -> ActionOutcome {
        guard configuration.allowResponse else {
            return .refused("response actions are disabled on this agent (start it with --allow-response)")
        }
        guard let type = ActionType(rawValue: typeName) else { return .refused("unknown action type \(typeName)") }
        return await execute(type, params: params, state: &state)
    }

    func execute(_ type: ActionType, params: [String: JSONValue], state: inout AgentState) async -> ActionOutcome {
        switch type {
        case .collectFileHash:
            guard let path = params["path"]?.stringValue, path.hasPrefix("/") else {
                return .failed("params.path must be an absolute path")
            }
            return FileHasher.hash(path: path, maxBytes: configuration.maxHashBytes)
        case .killProcess:
            guard let pidText = params["pid"]?.scalarText, let pid = Int32(pidText) else {
                return .failed("params.pid must be a process id")
            }
            let start = params["start_time"]?.scalarText.flatMap { UInt64($0) }
            return await ProcessKiller.kill(pid: pid, expectedStart: start, grace: configuration.killGrace)
        case .blockIP, .unblockIP:
            guard let text = params["ip"]?.stringValue, let ip = IPAddress.canonical(text) else {
                return .failed("params.ip must be an IP address")
            }
            if type == .blockIP, serverAddresses().contains(ip) || ip.hasPrefix("127.") || ip == "::1" {
                return .refused("refusing to block \(ip): it is loopback or the SIEM server")
            }
            return firewall { firewall in
                var blocked = state.blockedIPs.filter { $0 != ip }
                if type == .blockIP { blocked.append(ip) }
                try firewall.applyBlocks(blocked)
                state.blockedIPs = blocked
                return .succeeded(["ip": .string(ip), "blocked": .bool(type == .blockIP)])
            }
        case .isolateEndpoint:
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
        case .unisolateEndpoint:
            let outcome = firewall { firewall in
                try firewall.unisolate()
                return .succeeded(["isolated": .bool(false)])
            }
            if outcome.status == "succeeded" { state.isolated = false }
            return outcome
        }
    }

    /// Runs a firewall change when root and a packet filter are available.
    func firewall(_ body: (any FirewallBackend) throws -> ActionOutcome) -> ActionOutcome {
        guard geteuid() == 0 else { return .failed("requires root") }
        do {
            return try body(try configuration.firewall.backend().get())
        } catch {
            return .failed("\(error)")
        }
    }

    func serverAddresses() -> [String] {
        guard let host = URL(string: configuration.server)?.host else { return [] }
        let trimmed = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if let literal = IPAddress.canonical(trimmed) { return [literal] }
        return Firewall.resolve(trimmed).compactMap { IPAddress.canonical($0) }
    }
}
