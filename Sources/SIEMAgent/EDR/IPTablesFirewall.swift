import Foundation

/// The fallback when nftables is missing: chains of the agent's own in the `filter` table of
/// iptables (IPv4) and ip6tables (IPv6), jumped to first from INPUT and OUTPUT. Each change
/// rebuilds the agent's chains, so applying twice is harmless; removing touches only those chains.
struct IPTablesFirewall: FirewallBackend {
    static let blockChain = "SIEM_AGENT_BLOCK"
    static let isolationInput = "SIEM_AGENT_ISO_IN"
    static let isolationOutput = "SIEM_AGENT_ISO_OUT"

    let iptables: String
    let ip6tables: String?

    static func locate() -> IPTablesFirewall? {
        func find(_ name: String) -> String? {
            ["/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"].map { $0 + name }.first {
                FileManager.default.isExecutableFile(atPath: $0)
            }
        }
        guard let iptables = find("iptables") else { return nil }
        return IPTablesFirewall(iptables: iptables, ip6tables: find("ip6tables"))
    }

    private var tools: [(tool: String, v6: Bool)] {
        [(iptables, false)] + (ip6tables.map { [($0, true)] } ?? [])
    }

    func applyBlocks(_ ips: [String]) throws {
        for (tool, v6) in tools {
            let mine = ips.filter { $0.contains(":") == v6 }
            try remove(chain: Self.blockChain, hooks: ["INPUT", "OUTPUT"], tool)
            guard !mine.isEmpty else { continue }
            try runFirewallTool(tool, ["-w", "-N", Self.blockChain])
            for ip in mine {
                try runFirewallTool(tool, ["-w", "-A", Self.blockChain, "-s", ip, "-j", "DROP"])
                try runFirewallTool(tool, ["-w", "-A", Self.blockChain, "-d", ip, "-j", "DROP"])
            }
            for hook in ["INPUT", "OUTPUT"] {
                try runFirewallTool(tool, ["-w", "-I", hook, "1", "-j", Self.blockChain])
            }
        }
    }

    func isolate(server: [String], nameservers: [String]) throws {
        for (tool, v6) in tools {
            try remove(chain: Self.isolationInput, hooks: ["INPUT"], tool)
            try remove(chain: Self.isolationOutput, hooks: ["OUTPUT"], tool)
            let servers = server.filter { $0.contains(":") == v6 }
            let dns = nameservers.filter { $0.contains(":") == v6 }
            for (chain, peer, port, interface) in [
                (Self.isolationInput, "-s", "--sport", "-i"), (Self.isolationOutput, "-d", "--dport", "-o"),
            ] {
                var rules: [[String]] = [[interface, "lo", "-j", "ACCEPT"]]
                rules += servers.map { [peer, $0, "-j", "ACCEPT"] }
                for proto in ["udp", "tcp"] {
                    if nameservers.isEmpty {
                        rules.append(["-p", proto, port, "53", "-j", "ACCEPT"])
                    } else {
                        rules += dns.map { [peer, $0, "-p", proto, port, "53", "-j", "ACCEPT"] }
                    }
                }
                if v6 {
                    for type in ["neighbour-solicitation", "neighbour-advertisement", "router-advertisement"] {
                        rules.append(["-p", "ipv6-icmp", "--icmpv6-type", type, "-j", "ACCEPT"])
                    }
                }
                rules.append(["-j", "DROP"])
                try runFirewallTool(tool, ["-w", "-N", chain])
                for rule in rules { try runFirewallTool(tool, ["-w", "-A", chain] + rule) }
            }
            try runFirewallTool(tool, ["-w", "-I", "INPUT", "1", "-j", Self.isolationInput])
            try runFirewallTool(tool, ["-w", "-I", "OUTPUT", "1", "-j", Self.isolationOutput])
        }
    }

    func unisolate() throws {
        for (tool, _) in tools {
            try remove(chain: Self.isolationInput, hooks: ["INPUT"], tool)
            try remove(chain: Self.isolationOutput, hooks: ["OUTPUT"], tool)
        }
    }

    /// Removes every jump to `chain` from `hooks`, then the chain itself, when it exists.
    private func remove(chain: String, hooks: [String], _ tool: String) throws {
        guard (try? runFirewallTool(tool, ["-w", "-S", chain])) != nil else { return }
        for hook in hooks {
            // Bounded: one jump is added per apply, and each pass removes one.
            for _ in 0..<64 {
                guard (try? runFirewallTool(tool, ["-w", "-D", hook, "-j", chain])) != nil else { break }
            }
        }
        try runFirewallTool(tool, ["-w", "-F", chain])
        try runFirewallTool(tool, ["-w", "-X", chain])
    }
}
