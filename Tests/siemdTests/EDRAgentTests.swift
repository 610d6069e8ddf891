import AsyncHTTPClient
import Crypto
import Foundation
import SIEMTestSupport
import Testing

/// `siem-agent edr` as a real process against a real siemd on loopback.
@Suite(.serialized) struct EDRAgentTests {
    @Test func agentRegistersSendsTelemetryAndRunsActions() async throws {
        let directory = try TemporaryDirectory(prefix: "siem-edr")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url
        let siemd = try SiemdProcess(
            arguments: ["--db", folder.appendingPathComponent("siem.sqlite3").path],
            environment: ["EDR_DANGEROUS_ACTION_ALLOWLIST": "edr-test"])
        let marker = "\(Int.random(in: 100_000...999_999)).5"
        let sleeper = try ChildProcess("/bin/sleep", [marker])
        defer { sleeper.stop() }
        let listener = try LoopbackListener()
        let statePath = folder.appendingPathComponent("state/edr.json").path
        let agentArguments = [
            "edr", "--server", siemd.baseURL, "--interval", "0.5", "--allow-response", "--state", statePath,
            "--kill-grace", "2",
        ]
        let agent = try ChildProcess(ChildProcess.product("siem-agent"), agentArguments)

        let agentID = try await registeredAgentID(siemd.baseURL)
        #expect(!agentID.isEmpty, "the agent did not register: \(agent.stop())")
        // The agent saves its identity once the registration answer arrives, a moment after siemd lists it.
        #expect(await eventually { FileManager.default.fileExists(atPath: statePath) })
        let state = jsonObject(try String(contentsOfFile: statePath, encoding: .utf8))
        #expect(state["agent_id"] as? String == agentID)
        #expect((state["token"] as? String)?.count == 64)

        // The process the test started and the socket it listens on arrive as telemetry.
        #expect(
            try await eventually {
                let found = try await http(
                    .GET, siemd.baseURL + "/search?q=edr_process_start&agent_id=\(agentID)&limit=1000")
                return found.body.contains("sleep \(marker)") && found.body.contains("\"pid\":\(sleeper.pid)")
            })
        #expect(
            try await eventually {
                let found = try await http(
                    .GET, siemd.baseURL + "/search?q=edr_listen_socket&agent_id=\(agentID)&limit=1000")
                return found.body.contains("127.0.0.1:\(listener.port) pid=\(getpid())")
            })
        #expect(
            try await eventually {
                try await http(.GET, siemd.baseURL + "/search?q=edr_heartbeat&agent_id=\(agentID)").body.contains(
                    "edr_heartbeat")
            })

        // collect_file_hash matches a hash computed here.
        let file = folder.appendingPathComponent("sample.bin")
        let content = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try content.write(to: file)
        let expected = SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
        let hashAction = try await queue(siemd, agentID, "collect_file_hash", #"{"path":"\#(file.path)"}"#)
        let hashed = try await finished(siemd, agentID, hashAction)
        #expect(hashed["status"] as? String == "succeeded", "\(hashed)")
        #expect((hashed["output"] as? [String: Any])?["sha256"] as? String == expected)
        #expect((hashed["output"] as? [String: Any])?["size"] as? Int == content.count)

        let missing = try await finished(
            siemd, agentID, try await queue(siemd, agentID, "collect_file_hash", #"{"path":"\#(folder.path)/nope"}"#))
        #expect(missing["status"] as? String == "failed")
        #expect((missing["error"] as? String)?.contains("no such file") == true)

        // kill_process on the process the test spawned; a stale start time is never signalled.
        let stale = try await finished(
            siemd, agentID,
            try await queue(siemd, agentID, "kill_process", #"{"pid":\#(sleeper.pid),"start_time":1}"#))
        #expect(stale["status"] as? String == "failed")
        #expect(sleeper.process.isRunning)
        // Foundation starts children with SIGTERM blocked, so this one needs the SIGKILL after the grace.
        let stubborn = try await finished(
            siemd, agentID, try await queue(siemd, agentID, "kill_process", #"{"pid":\#(sleeper.pid)}"#))
        #expect(stubborn["status"] as? String == "succeeded", "\(stubborn)")
        #expect((stubborn["output"] as? [String: Any])?["signal"] as? String == "SIGKILL")
        sleeper.process.waitUntilExit()
        #expect(sleeper.process.terminationReason == .uncaughtSignal)
        #expect(sleeper.process.terminationStatus == SIGKILL)
        // A child with no blocked signals ends at the SIGTERM.
        let polite = try SpawnedProcess(["/bin/sleep", "\(marker)1"])
        let killed = try await finished(
            siemd, agentID, try await queue(siemd, agentID, "kill_process", #"{"pid":\#(polite.pid)}"#))
        #expect(killed["status"] as? String == "succeeded", "\(killed)")
        #expect((killed["output"] as? [String: Any])?["signal"] as? String == "SIGTERM")
        #expect(polite.waitForSignal() == SIGTERM)

        // Each executed action left a local audit line.
        let audit = try String(
            contentsOfFile: folder.appendingPathComponent("state/edr-audit.log").path, encoding: .utf8)
        #expect(audit.split(separator: "\n").count == 5)

        // A restarted agent keeps its identity.
        agent.stop()
        let restarted = try ChildProcess(ChildProcess.product("siem-agent"), agentArguments)
        defer { restarted.stop() }
        let before = try await http(.GET, siemd.baseURL + "/search?q=edr_heartbeat&agent_id=\(agentID)&limit=1000")
        let beforeCount = (jsonObject(before.body)["items"] as? [Any])?.count ?? 0
        #expect(
            try await eventually {
                let after = try await http(
                    .GET, siemd.baseURL + "/search?q=edr_heartbeat&agent_id=\(agentID)&limit=1000")
                return (jsonObject(after.body)["items"] as? [Any])?.count ?? 0 > beforeCount
            })
        let endpoints = jsonObject(try await http(.GET, siemd.baseURL + "/edr/endpoints").body)
        #expect((endpoints["items"] as? [Any])?.count == 1)
        withExtendedLifetime(listener) {}
    }

    /// What a compromised siemd could ask for and the agent refuses on its own (siemd queues these).
    @Test func theAgentRefusesToLeakSecretsOrKillTheSIEM() async throws {
        let directory = try TemporaryDirectory(prefix: "siem-edr")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url
        let database = folder.appendingPathComponent("siem.sqlite3").path
        let siemd = try SiemdProcess(
            arguments: ["--db", database], environment: ["EDR_DANGEROUS_ACTION_ALLOWLIST": "edr-test"])
        let statePath = folder.appendingPathComponent("state/edr.json").path
        let agent = try ChildProcess(
            ChildProcess.product("siem-agent"),
            ["edr", "--server", siemd.baseURL, "--interval", "0.3", "--allow-response", "--state", statePath])
        defer { agent.stop() }
        let agentID = try await registeredAgentID(siemd.baseURL)
        #expect(!agentID.isEmpty, "the agent did not register: \(agent.stop())")
        let link = folder.appendingPathComponent("innocent.txt").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/etc/shadow")
        for path in ["/etc/shadow", link, "/usr/../etc/shadow", "/proc/self/environ", database, statePath] {
            let action = try await finished(
                siemd, agentID, try await queue(siemd, agentID, "collect_file_hash", #"{"path":"\#(path)"}"#))
            #expect(action["status"] as? String == "refused", "\(path): \(action)")
            #expect(action["output"] == nil || action["output"] is NSNull, "\(path): \(action)")
        }
        let killSiemd = try await finished(
            siemd, agentID,
            try await queue(siemd, agentID, "kill_process", #"{"pid":\#(siemd.process.processIdentifier)}"#))
        #expect(killSiemd["status"] as? String == "refused", "\(killSiemd)")
        #expect(siemd.process.isRunning)
        let killAgent = try await finished(
            siemd, agentID, try await queue(siemd, agentID, "kill_process", #"{"pid":\#(agent.pid)}"#))
        #expect(killAgent["status"] as? String == "refused", "\(killAgent)")
        #expect(agent.process.isRunning)
    }

    @Test func withoutAllowResponseActionsAreRefused() async throws {
        let directory = try TemporaryDirectory(prefix: "siem-edr")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url
        let siemd = try SiemdProcess(arguments: ["--db", folder.appendingPathComponent("siem.sqlite3").path])
        let agent = try ChildProcess(
            ChildProcess.product("siem-agent"),
            [
                "edr", "--server", siemd.baseURL, "--interval", "0.5", "--state",
                folder.appendingPathComponent("s.json").path,
            ])
        defer { agent.stop() }
        let agentID = try await registeredAgentID(siemd.baseURL)
        #expect(!agentID.isEmpty)
        let action = try await finished(
            siemd, agentID, try await queue(siemd, agentID, "collect_file_hash", #"{"path":"/etc/hostname"}"#))
        #expect(action["status"] as? String == "refused")
        #expect((action["error"] as? String)?.contains("--allow-response") == true)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("edr-audit.log").path))
    }

    @Test func telemetryCollectedWhileTheServerIsDownArrivesAfterItReturns() async throws {
        let directory = try TemporaryDirectory(prefix: "siem-edr")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url
        let database = folder.appendingPathComponent("siem.sqlite3").path
        let first = try SiemdProcess(arguments: ["--db", database])
        let port = first.port
        let agent = try ChildProcess(
            ChildProcess.product("siem-agent"),
            [
                "edr", "--server", first.baseURL, "--interval", "0.3", "--state",
                folder.appendingPathComponent("s.json").path,
            ])
        defer { agent.stop() }
        let agentID = try await registeredAgentID(first.baseURL)
        #expect(!agentID.isEmpty)
        #expect(first.stop(signal: SIGTERM) == 0)
        let down = Date()
        // The agent keeps collecting (and backing off) while nothing listens on the port; with
        // --interval 0.3 each call gives up after 2 s, so several rounds fall in this window.
        try await Task.sleep(for: .seconds(6))
        let up = Date()
        let second = try SiemdProcess(arguments: ["--db", database, "--port", String(port)])
        #expect(second.port == port)
        // Heartbeats stamped while the server was down are delivered once it is back.
        #expect(
            try await eventually {
                let url = second.baseURL + "/search?q=edr_heartbeat&agent_id=\(agentID)&limit=1000"
                let items = jsonObject(try await http(.GET, url).body)["items"] as? [[String: Any]] ?? []
                let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
                let stamps = items.compactMap { ($0["ts"] as? String).flatMap { try? format.parse($0) } }
                return stamps.contains { $0 > down && $0 < up }
            }, "no heartbeat from the downtime arrived: \(agent.stop())")
        #expect(agent.process.isRunning)
    }

    @Test(
        .enabled(
            if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
            "needs root and setpriv to run the agent as an unprivileged user: skipped"))
    func firewallActionsReportRequiresRootWhenNotRoot() async throws {
        let directory = try TemporaryDirectory(prefix: "siem-edr")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url
        let siemd = try SiemdProcess(
            arguments: ["--db", folder.appendingPathComponent("siem.sqlite3").path],
            environment: ["EDR_DANGEROUS_ACTION_ALLOWLIST": "*"])
        let stateFolder = folder.appendingPathComponent("nobody")
        try FileManager.default.createDirectory(
            at: stateFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        let agent = try ChildProcess(
            "/usr/bin/setpriv",
            [
                "--reuid=65534", "--regid=65534", "--clear-groups", ChildProcess.product("siem-agent"), "edr",
                "--server", siemd.baseURL, "--interval", "0.5", "--allow-response", "--state",
                stateFolder.appendingPathComponent("edr.json").path,
            ])
        defer { agent.stop() }
        let agentID = try await registeredAgentID(siemd.baseURL)
        #expect(!agentID.isEmpty, "the unprivileged agent did not register: \(agent.stop())")
        for (type, params) in [("isolate_endpoint", "{}"), ("block_ip", #"{"ip":"192.0.2.7"}"#)] {
            let action = try await finished(siemd, agentID, try await queue(siemd, agentID, type, params))
            #expect(action["status"] as? String == "failed", "\(action)")
            #expect(action["error"] as? String == "requires root", "\(action)")
        }
        // Not root, so not allowed to signal a root process either (siemd is refused whoever runs the agent).
        let rootProcess = try SpawnedProcess(["/bin/sleep", "300"])
        let action = try await finished(
            siemd, agentID, try await queue(siemd, agentID, "kill_process", #"{"pid":\#(rootProcess.pid)}"#))
        #expect(action["status"] as? String == "failed")
        #expect((action["error"] as? String)?.contains("permission denied") == true, "\(action)")
        var status: Int32 = 0
        #expect(waitpid(rootProcess.pid, &status, WNOHANG) == 0, "the root process ended")
    }

    @Test func anAgentWhoseSavedIDBelongsToAnotherRegistersAfresh() async throws {
        let directory = try TemporaryDirectory(prefix: "siem-edr")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url
        let siemd = try SiemdProcess(arguments: ["--db", folder.appendingPathComponent("siem.sqlite3").path])
        let owner = try await http(
            .POST, siemd.baseURL + "/edr/register", body: #"{"hostname":"a","agent_id":"taken"}"#)
        #expect(owner.status == 201)
        let statePath = folder.appendingPathComponent("edr.json").path
        try Data(#"{"agent_id":"taken","token":"not-the-token"}"#.utf8).write(to: URL(fileURLWithPath: statePath))
        let agent = try ChildProcess(
            ChildProcess.product("siem-agent"),
            ["edr", "--server", siemd.baseURL, "--interval", "0.3", "--state", statePath])
        defer { agent.stop() }
        var state: [String: Any] = [:]
        #expect(
            await eventually {
                state = jsonObject((try? String(contentsOfFile: statePath, encoding: .utf8)) ?? "")
                return state["agent_id"] as? String != "taken" && state["agent_id"] != nil
            })
        let endpoints = jsonObject(try await http(.GET, siemd.baseURL + "/edr/endpoints").body)["items"]
        #expect((endpoints as? [[String: Any]])?.count == 2)
        #expect(
            (endpoints as? [[String: Any]])?.first { $0["agent_id"] as? String == "taken" }?["hostname"] as? String
                == "a")
    }

    func queue(_ siemd: SiemdProcess, _ agentID: String, _ type: String, _ params: String) async throws -> Int {
        let response = try await http(
            .POST, siemd.baseURL + "/edr/actions",
            body: #"{"agent_id":"\#(agentID)","action_type":"\#(type)","params":\#(params),"requested_by":"edr-test"}"#)
        #expect(response.status == 201, "\(response.body)")
        return jsonObject(response.body)["id"] as? Int ?? -1
    }

    /// The first registered endpoint's id, once an agent has registered (bounded wait; "" if none).
    func registeredAgentID(_ baseURL: String) async throws -> String {
        var agentID = ""
        _ = try await eventually {
            let items = jsonObject(try await http(.GET, baseURL + "/edr/endpoints?limit=50").body)["items"]
            agentID = (items as? [[String: Any]])?.first?["agent_id"] as? String ?? ""
            return !agentID.isEmpty
        }
        return agentID
    }

    /// The action once it has a final status (bounded wait).
    func finished(_ siemd: SiemdProcess, _ agentID: String, _ id: Int) async throws -> [String: Any] {
        var action: [String: Any] = [:]
        _ = try await eventually {
            let history = try await http(.GET, siemd.baseURL + "/edr/actions/history?agent_id=\(agentID)&limit=1000")
            let items = jsonObject(history.body)["items"] as? [[String: Any]] ?? []
            action = items.first { $0["id"] as? Int == id } ?? [:]
            let status = action["status"] as? String ?? ""
            return !["", "queued", "leased"].contains(status)
        }
        return action
    }
}
