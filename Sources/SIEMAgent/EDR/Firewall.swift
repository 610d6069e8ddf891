import Foundation

/// What blocking and isolation need from a packet filter.
protocol FirewallBackend {
    /// Makes exactly `ips` blocked (both directions); an empty list removes the agent's block rules.
    func applyBlocks(_ ips: [String]) throws
    /// Drops all traffic except loopback, `server` and DNS to `nameservers` (any DNS server when empty).
    func isolate(server: [String], nameservers: [String]) throws
    /// Removes the agent's isolation rules and nothing else.
    func unisolate() throws
}

/// Which packet filter the agent uses.
public enum FirewallChoice: String, CaseIterable, Sendable {
    case auto, nft, iptables

    /// The backend to use, or why there is none.
    func backend() -> Result<any FirewallBackend, FirewallCommandError> {
        let nft = Firewall.locate()
        let iptables = IPTablesFirewall.locate()
        let useNFT = self == .nft || (self == .auto && nft != nil)
        if useNFT {
            guard let nft else { return .failure(.init(description: "nft (nftables) is not installed")) }
            return .success(Firewall(nft: nft))
        }
        guard let iptables else {
            return .failure(
                .init(
                    description: self == .iptables
                        ? "iptables is not installed" : "neither nft (nftables) nor iptables is installed"))
        }
        return .success(iptables)
    }
}

struct FirewallCommandError: Error, CustomStringConvertible {
    var description: String
}

/// Runs a firewall tool; throws with its stderr when it fails.
@discardableResult
func runFirewallTool(_ executable: String, _ arguments: [String]) throws -> String {
    do {
        return try Command.run(executable, arguments)
    } catch let failure as Command.Failure {
        let name = (executable as NSString).lastPathComponent
        throw FirewallCommandError(description: "\(name) failed: \(failure.standardError.prefix(500))")
    }
}

/// Blocking and isolation with nftables, in tables that belong to the agent alone: applying is
/// atomic (`nft -f`), idempotent (each table is rebuilt from the agent's state), and removing
/// touches nothing but the agent's tables.
struct Firewall: FirewallBackend {
    static let blockTable = "siem_agent_block"
    static let isolationTable = "siem_agent_isolation"

    let nft: String

    /// The `nft` binary, when installed.
    static func locate() -> String? {
        ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft", "/bin/nft"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Rebuilds the block table from `ips`; with no IPs the table is removed.
    func applyBlocks(_ ips: [String]) throws {
        let v4 = ips.filter { !$0.contains(":") }
        let v6 = ips.filter { $0.contains(":") }
        var script = Self.reset(Self.blockTable)
        if !ips.isEmpty {
            script += """
                table inet \(Self.blockTable) {
                    set blocked4 { type ipv4_addr; \(v4.isEmpty ? "" : "elements = { \(v4.joined(separator: ", ")) }") }
                    set blocked6 { type ipv6_addr; \(v6.isEmpty ? "" : "elements = { \(v6.joined(separator: ", ")) }") }
                    chain input {
                        type filter hook input priority -10; policy accept;
                        ip saddr @blocked4 drop
                        ip6 saddr @blocked6 drop
                    }
                    chain output {
                        type filter hook output priority -10; policy accept;
                        ip daddr @blocked4 drop
                        ip6 daddr @blocked6 drop
                    }
                }

                """
        }
        try run(script)
    }

    /// Drops all traffic except loopback, the SIEM server's addresses and DNS to `nameservers`
    /// (any DNS server when none is known).
    func isolate(server: [String], nameservers: [String]) throws {
        func set(_ items: [String]) -> String { "{ \(items.joined(separator: ", ")) }" }
        let server4 = server.filter { !$0.contains(":") }
        let server6 = server.filter { $0.contains(":") }
        let dns4 = nameservers.filter { !$0.contains(":") }
        let dns6 = nameservers.filter { $0.contains(":") }
        var input = ["iifname \"lo\" accept"]
        var output = ["oifname \"lo\" accept"]
        if !server4.isEmpty {
            input.append("ip saddr \(set(server4)) accept")
            output.append("ip daddr \(set(server4)) accept")
        }
        if !server6.isEmpty {
            input.append("ip6 saddr \(set(server6)) accept")
            output.append("ip6 daddr \(set(server6)) accept")
        }
        // IPv6 needs neighbour discovery to reach anything on the link.
        let discovery = "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept"
        input.append(discovery)
        output.append(discovery)
        if nameservers.isEmpty {
            input.append("meta l4proto { udp, tcp } th sport 53 accept")
            output.append("meta l4proto { udp, tcp } th dport 53 accept")
        } else {
            if !dns4.isEmpty {
                input.append("ip saddr \(set(dns4)) meta l4proto { udp, tcp } th sport 53 accept")
                output.append("ip daddr \(set(dns4)) meta l4proto { udp, tcp } th dport 53 accept")
            }
            if !dns6.isEmpty {
                input.append("ip6 saddr \(set(dns6)) meta l4proto { udp, tcp } th sport 53 accept")
                output.append("ip6 daddr \(set(dns6)) meta l4proto { udp, tcp } th dport 53 accept")
            }
        }
        let script =
            Self.reset(Self.isolationTable) + """
                table inet \(Self.isolationTable) {
                    chain input {
                        type filter hook input priority -20; policy drop;
                        \(input.joined(separator: "\n        "))
                    }
                    chain output {
                        type filter hook output priority -20; policy drop;
                        \(output.joined(separator: "\n        "))
                    }
                }

                """
        try run(script)
    }

    func unisolate() throws {
        try run(Self.reset(Self.isolationTable))
    }

    /// Declares then deletes the table, so the script works whether or not it exists.
    static func reset(_ table: String) -> String {
        "table inet \(table)\ndelete table inet \(table)\n"
    }

    func run(_ script: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("siem-agent-\(UUID().uuidString).nft")
        try Data(script.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try runFirewallTool(nft, ["-f", file.path])
    }

    /// Numeric addresses of `host` (A and AAAA).
    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0 else { return [] }
        defer { freeaddrinfo(result) }
        var addresses: [String] = []
        var cursor = result
        while let info = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(
                info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST)
                == 0
            {
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(text) { addresses.append(text) }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }

    /// Name servers from `/etc/resolv.conf`.
    static func nameservers() -> [String] {
        guard let text = ProcFS.read("/etc/resolv.conf", limit: 65536) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2, parts[0] == "nameserver" else { return nil }
            return String(parts[1].split(separator: "%").first ?? parts[1])
        }
    }
}
