import Foundation
import SIEMAgent
import SIEMTestSupport
import Testing

/// Blocking and isolation for real: the agent runs in a namespace of its own, siemd in a second
/// and a peer in a third, joined by veth pairs; nftables changes only the agent's namespace.
@Suite(.serialized) struct EDRIsolationTests {
    @Test(
        .enabled(
            if: NetworkNamespace.supported,
            "needs root, iproute2 (`ip`) and nftables (`nft`): skipped, isolation and blocking were not tested"))
    func blockAndIsolateWithNFTables() async throws {
        try await blockAndIsolate(firewall: "nft", table: "siem_agent_isolation")
    }

    @Test(
        .enabled(
            if: NetworkNamespace.supported && FileManager.default.isExecutableFile(atPath: "/usr/sbin/iptables"),
            "needs root, iproute2, nftables and iptables: skipped, the iptables fallback was not tested"))
    func blockAndIsolateWithTheIPTablesFallback() async throws {
        try await blockAndIsolate(firewall: "iptables", table: nil)
    }

    /// `table`: the nftables table isolation lives in (checked directly), nil for iptables.
    func blockAndIsolate(firewall: String, table: String?) async throws {
        let tag = String(UUID().uuidString.prefix(6)).lowercased()
        let agentNS = try NetworkNamespace("siemt-a-\(tag)")
        let serverNS = try NetworkNamespace("siemt-s-\(tag)")
        let peerNS = try NetworkNamespace("siemt-p-\(tag)")
        try agentNS.link(to: serverNS, "sa\(tag)", "10.77.1.1/24", "ss\(tag)", "10.77.1.2/24")
        try agentNS.link(to: peerNS, "pa\(tag)", "10.77.2.1/24", "pp\(tag)", "10.77.2.2/24")

        let directory = try TemporaryDirectory(prefix: "siem-netns-\(tag)")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url

        let peerPort = 7777
        let peerSocket = try await peerNS.perform { try Sockets.listen("10.77.2.2", peerPort) }
        defer { close(peerSocket) }

        let siemdPort = 18_000 + Int.random(in: 0..<1000)
        let siemd = try ChildProcess(
            NetworkNamespace.ip!,
            [
                "netns", "exec", serverNS.name, ChildProcess.product("siemd"), "--host", "0.0.0.0", "--port",
                String(siemdPort), "--db", folder.appendingPathComponent("siem.sqlite3").path, "--rules",
                repositoryRoot.appendingPathComponent("rules/default.yml").path,
            ],
            // 0.0.0.0 inside a namespace of its own, reached only by this test's namespaces.
            environment: ["EDR_DANGEROUS_ACTION_ALLOWLIST": "*", "SIEM_ALLOW_INSECURE": "1"])
        defer { siemd.stop() }
        func api(_ method: String, _ path: String, _ body: String? = nil) async throws -> [String: Any] {
            let response = try await serverNS.perform {
                try Sockets.http(method, "127.0.0.1", siemdPort, path, body: body)
            }
            return jsonObject(response.body)
        }
        #expect(
            await eventually { (try? await api("GET", "/health")) != nil }, "siemd did not start: \(siemd.stop())")

        // A table of someone else's that the agent must never touch.
        try agentNS.nft(["add", "table", "inet", "someone_else"])

        let statePath = folder.appendingPathComponent("agent/edr.json").path
        let agentArguments = [
            "netns", "exec", agentNS.name, ChildProcess.product("siem-agent"), "edr", "--server",
            "http://10.77.1.2:\(siemdPort)", "--interval", "0.5", "--allow-response", "--state", statePath,
            "--firewall",
            firewall,
        ]
        var agent = try ChildProcess(NetworkNamespace.ip!, agentArguments)
        defer { agent.stop() }
        var agentID = ""
        #expect(
            try await eventually {
                let items = try await api("GET", "/edr/endpoints")["items"] as? [[String: Any]]
                agentID = items?.first?["agent_id"] as? String ?? ""
                return !agentID.isEmpty
            }, "the agent did not register")

        func fromAgent(_ host: String, _ port: Int) async throws -> Bool {
            try await agentNS.perform { Sockets.reachable(host, port) }
        }
        func run(_ type: String, _ params: String = "{}") async throws -> [String: Any] {
            let queued = try await api(
                "POST", "/edr/actions",
                #"{"agent_id":"\#(agentID)","action_type":"\#(type)","params":\#(params),"requested_by":"netns-test"}"#)
            let id = try #require(queued["id"] as? Int, "\(queued)")
            var action: [String: Any] = [:]
            _ = try await eventually {
                let items = try await api("GET", "/edr/actions/history?agent_id=\(agentID)&limit=100")["items"]
                action = (items as? [[String: Any]])?.first { $0["id"] as? Int == id } ?? [:]
                return !["", "queued", "leased"].contains(action["status"] as? String ?? "")
            }
            return action
        }

        #expect(try await fromAgent("10.77.2.2", peerPort))
        #expect(try await fromAgent("10.77.1.2", siemdPort))

        // block_ip / unblock_ip
        let blocked = try await run("block_ip", #"{"ip":"10.77.2.2"}"#)
        #expect(blocked["status"] as? String == "succeeded", "\(blocked)")
        #expect(try await !fromAgent("10.77.2.2", peerPort))
        #expect(try await fromAgent("10.77.1.2", siemdPort))
        let unblocked = try await run("unblock_ip", #"{"ip":"10.77.2.2"}"#)
        #expect(unblocked["status"] as? String == "succeeded", "\(unblocked)")
        #expect(try await fromAgent("10.77.2.2", peerPort))

        // isolate: the peer is cut off, the SIEM still answers; twice is harmless.
        for _ in 0..<2 {
            let isolated = try await run("isolate_endpoint")
            #expect(isolated["status"] as? String == "succeeded", "\(isolated)")
        }
        #expect(try await !fromAgent("10.77.2.2", peerPort))
        #expect(try await agentNS.perform { try Sockets.http("GET", "10.77.1.2", siemdPort, "/health").status } == 200)
        if let table {
            let tables = try agentNS.nft(["list", "tables"])
            #expect(tables.components(separatedBy: table).count == 2, "\(tables)")
        } else {
            let rules = try Command.run(
                NetworkNamespace.ip!, ["netns", "exec", agentNS.name, "/usr/sbin/iptables", "-S", "INPUT"])
            #expect(rules.components(separatedBy: "-j SIEM_AGENT_ISO_IN").count == 2, "\(rules)")
        }
        let endpoint = (try await api("GET", "/edr/endpoints")["items"] as? [[String: Any]])?.first
        #expect(endpoint?["isolated"] as? Bool == true)

        // The isolation survives an agent restart, even when its table was lost meanwhile.
        agent.stop()
        if let table {
            try agentNS.nft(["delete", "table", "inet", table])
        } else {
            for (hook, chain) in [("INPUT", "SIEM_AGENT_ISO_IN"), ("OUTPUT", "SIEM_AGENT_ISO_OUT")] {
                for arguments in [["-D", hook, "-j", chain], ["-F", chain], ["-X", chain]] {
                    try Command.run(
                        NetworkNamespace.ip!, ["netns", "exec", agentNS.name, "/usr/sbin/iptables"] + arguments)
                }
            }
        }
        #expect(try await fromAgent("10.77.2.2", peerPort))
        agent = try ChildProcess(NetworkNamespace.ip!, agentArguments)
        #expect(try await eventually { try await !fromAgent("10.77.2.2", peerPort) }, "isolation was not restored")

        // unisolate removes only the agent's table.
        let released = try await run("unisolate_endpoint")
        #expect(released["status"] as? String == "succeeded", "\(released)")
        #expect(try await fromAgent("10.77.2.2", peerPort))
        let remaining = try agentNS.nft(["list", "ruleset"])
        #expect(!remaining.contains("siem_agent_isolation") && !remaining.contains("SIEM_AGENT_ISO"), "\(remaining)")
        #expect(remaining.contains("someone_else"))
        withExtendedLifetime((agentNS, serverNS, peerNS)) {}
    }
}
