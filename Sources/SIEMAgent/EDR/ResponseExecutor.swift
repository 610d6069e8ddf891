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
            guard let path = params["path"]?.stringValue else { return .failed("params.path must be an absolute path") }
            return FileHasher.hash(
                path: path, policy: .resolved(configuration), maxBytes: configuration.maxHashBytes)
        case .killProcess:
            guard let pidText = params["pid"]?.scalarText, let pid = Int32(pidText) else {
                return .failed("params.pid must be a process id")
            }
            let start = params["start_time"]?.scalarText.flatMap { UInt64($0) }
            return await ProcessKiller.kill(pid: pid, expectedStart: start, grace: configuration.killGrace)
        case .blockIP, .unblockIP:
            let server = serverAddresses()
            if type == .blockIP, server.isEmpty {
                return .refused(
                    "refusing block_ip: the SIEM server address does not resolve, so it could be the one blocked")
            }
            let protected = protectedIPs(server: server)
            if let reason = ResponsePolicy.addressRefusal(type, params, protectedIPs: protected) {
                return .refused(reason)
            }
            guard let ip = params["ip"]?.stringValue else { return .refused("`params.ip` is required") }
            return firewall { firewall in
                // Never re-apply an address that has become protected (the server moved, say).
                var blocked = Self.blockable(state.blockedIPs, protectedIPs: protected).filter { $0 != ip }
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

    /// What no `block_ip` may name: the SIEM server's addresses, this host's own and, when the
    /// server is named by a host name, the name servers that resolve it.
    func protectedIPs(server: [String]) -> Set<String> {
        let host = URL(string: configuration.server)?.host?.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let named = host.map { IPAddress.canonical($0) == nil } ?? false
        return Self.protectedIPs(server: server, nameservers: named ? Firewall.nameservers() : [])
    }

    static func protectedIPs(server: [String], nameservers: [String]) -> Set<String> {
        Set(server + nameservers.compactMap { IPAddress.canonical($0) }).union(InterfaceAddresses.all())
    }

    /// `ips` without the ones `ResponsePolicy` would refuse to block.
    static func blockable(_ ips: [String], protectedIPs: Set<String>) -> [String] {
        ips.filter { ResponsePolicy.addressRefusal(.blockIP, ["ip": .string($0)], protectedIPs: protectedIPs) == nil }
    }

    func serverAddresses() -> [String] {
        guard let host = URL(string: configuration.server)?.host else { return [] }
        let trimmed = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if let literal = IPAddress.canonical(trimmed) { return [literal] }
        return Firewall.resolve(trimmed).compactMap { IPAddress.canonical($0) }
    }
}
