import Crypto
import Foundation
import SIEMCore
import SIEMTestSupport
import Testing

@testable import SIEMAgent

/// What the agent refuses whatever the server asks (a compromised or impersonated siemd): the
/// decisions on fixed facts, then `collect_file_hash` and `kill_process` on real files and processes.
@Suite struct EDRResponsePolicyTests {
    // MARK: block_ip / unblock_ip

    @Test func blockingTheServerThisHostLoopbackOrUnspecifiedIsRefused() {
        let protected: Set<String> = ["10.77.1.2", "10.77.1.1", "2001:db8::5"]
        for type in [ActionType.blockIP, .unblockIP] {
            for ip in [
                "10.77.1.2", "10.77.1.1", "2001:db8::5", "127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::",
                "::ffff:127.0.0.1", "::ffff:10.77.1.2",
            ] {
                #expect(
                    ResponsePolicy.addressRefusal(type, ["ip": .string(ip)], protectedIPs: protected) != nil,
                    "\(type) \(ip)")
            }
            for ip in ["192.0.2.7", "2001:db8::6", "10.77.2.2"] {
                #expect(ResponsePolicy.addressRefusal(type, ["ip": .string(ip)], protectedIPs: protected) == nil)
            }
        }
        #expect(
            ResponsePolicy.addressRefusal(.blockIP, ["ip": .string("10.77.1.2")], protectedIPs: protected)?.contains(
                "SIEM server") == true)
    }

    @Test func anythingButOneCanonicalAddressIsRefused() {
        let texts = [
            "010.0.0.1", "10.0.0.0/8", "192.0.2.7,192.0.2.8", "192.0.2.7 192.0.2.8", " 192.0.2.7", "192.0.2.7\n",
            "2001:DB8::1", "2001:db8:0:0::1", "fe80::1%eth0", "example.com", "",
        ]
        for value in texts.map(JSONValue.string) + [.int(3_221_225_991), .array([.string("192.0.2.7")]), .null] {
            #expect(ResponsePolicy.addressRefusal(.blockIP, ["ip": value], protectedIPs: []) != nil, "\(value)")
        }
        #expect(ResponsePolicy.addressRefusal(.blockIP, [:], protectedIPs: []) != nil)
    }

    @Test func theProtectedSetHoldsTheServerAndEveryInterfaceAddress() {
        let protected = ResponseExecutor.protectedIPs(server: ["192.0.2.1"], nameservers: ["192.0.2.53", "bogus"])
        #expect(protected.contains("192.0.2.1") && protected.contains("192.0.2.53") && !protected.contains("bogus"))
        #expect(Set(InterfaceAddresses.all()).isSubset(of: protected))
        #expect(!InterfaceAddresses.all().isEmpty)
        // Name servers count only when the server is named by a host name (they resolve it).
        let literal = executor("/nonexistent", server: "http://192.0.2.1:8000")
        #expect(literal.protectedIPs(server: ["192.0.2.1"]) == Set(["192.0.2.1"] + InterfaceAddresses.all()))
        let nameservers = Set(Firewall.nameservers().compactMap { IPAddress.canonical($0) })
        let named = executor("/nonexistent", server: "http://siem.example:8000")
        #expect(nameservers.isSubset(of: named.protectedIPs(server: ["192.0.2.1"])))
        // Saved blocks that have become protected are never applied again.
        #expect(
            ResponseExecutor.blockable(["192.0.2.1", "192.0.2.9", "127.0.0.1"], protectedIPs: protected)
                == ["192.0.2.9"])
    }

    // MARK: collect_file_hash, on resolved paths

    let policy = HashPathPolicy(
        allowedPrefixes: ["/usr", "/tmp", "/home", "/root"],
        protectedFiles: ["/var/lib/siem-agent/edr.json", "/tmp/agent/edr-audit.log"])

    @Test func deniedFilesAreRefusedEvenInsideTheAllowlist() {
        let everywhere = HashPathPolicy(allowedPrefixes: ["/"], protectedFiles: policy.protectedFiles)
        for path in [
            "/proc/self/environ", "/proc/1/mem", "/proc", "/sys/kernel/notes", "/dev/sda", "/dev/shm/x",
            "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d/90-users",
            "/etc/security/opasswd", "/etc/ssl/private/server.key", "/etc/ssh/ssh_host_ed25519_key",
            "/run/secrets/db_password", "/home/alice/.ssh/id_ed25519", "/root/.ssh/id_rsa",
            "/home/alice/.ssh/deploy", "/home/alice/.gnupg/private-keys-v1.d/A1.key",
            "/var/lib/siem-agent/edr.json", "/tmp/agent/edr-audit.log", "/srv/siem/data/siem.sqlite3",
            "/tmp/x/siem.sqlite3-wal",
        ] {
            #expect(everywhere.refusal(resolvedPath: path) != nil, "\(path)")
            #expect(policy.refusal(resolvedPath: path) != nil, "\(path)")
        }
        for path in [
            "/etc/passwd", "/etc/ssh/ssh_host_ed25519_key.pub", "/etc/ssh/sshd_config", "/usr/bin/ls",
            "/home/alice/.ssh/authorized_keys", "/home/alice/.ssh/id_ed25519.pub", "/root/.ssh/known_hosts",
            "/var/lib/siem-agent/edr.json.bak", "/tmp/shadow", "/tmp/proc/x",
        ] {
            #expect(everywhere.refusal(resolvedPath: path) == nil, "\(path)")
        }
    }

    @Test func onlyPathsUnderAnAllowedPrefixAreRead() {
        for path in ["/usr/bin/ls", "/usr", "/tmp/sample.bin", "/home/alice/Downloads/x.sh", "/root/dropper"] {
            #expect(policy.refusal(resolvedPath: path) == nil, "\(path)")
        }
        for path in ["/etc/passwd", "/etc/hostname", "/usrx/bin/ls", "/var/lib/dpkg/status", "/", "/tmpfile"] {
            #expect(policy.refusal(resolvedPath: path)?.contains("outside the allowed paths") == true, "\(path)")
        }
    }

    @Test func pathsAreJudgedAfterResolvingSymlinksAndDots() throws {
        let directory = try TemporaryDirectory(prefix: "siem-edr-policy")
        let folder = PathResolution.resolve(directory.url.path).path
        try FileManager.default.createSymbolicLink(atPath: folder + "/shadow", withDestinationPath: "/etc/shadow")
        try FileManager.default.createSymbolicLink(atPath: folder + "/etc", withDestinationPath: "/etc")
        #expect(PathResolution.resolve(folder + "/shadow").path == "/etc/shadow")
        #expect(PathResolution.resolve("/usr/../etc/shadow").path == "/etc/shadow")
        #expect(PathResolution.resolve("/usr/./bin//../../etc/shadow").path == "/etc/shadow")
        // A missing file is judged by where it would be.
        let missing = PathResolution.resolve(folder + "/etc/not-there/../../etc/shadow-nope")
        #expect(missing.path == "/etc/shadow-nope" && missing.error == ENOENT)
        #expect(PathResolution.resolve(folder + "/etc/nope").path == "/etc/nope")
        #expect(PathResolution.resolve(folder + "/plain").path == folder + "/plain")
        #expect(PathResolution.resolve(folder + "/plain").error == ENOENT)
        #expect(PathResolution.lexical("/a/./b/../../../c//d/") == "/c/d")
    }

    // MARK: collect_file_hash, for real (through the executor, as the agent runs it)

    /// An executor with response actions allowed, its state under `folder`, the default hash paths.
    func executor(_ folder: String, server: String = "http://127.0.0.1:9") -> ResponseExecutor {
        let configuration = EDRConfiguration(
            server: server, interval: 1, allowResponse: true, statePath: folder + "/state/edr.json",
            auditLogPath: nil, apiKey: nil, killGrace: 0.2, maxHashBytes: 1 << 20, firewall: .auto)
        return ResponseExecutor(configuration: configuration, client: EDRClient(server: server, apiKey: nil))
    }

    func hash(_ executor: ResponseExecutor, _ path: String) async -> ActionOutcome {
        var state = AgentState()
        return await executor.execute(typeName: "collect_file_hash", params: ["path": .string(path)], state: &state)
    }

    @Test func secretsAndPseudoFilesAreNotHashedWhateverThePathSays() async throws {
        let directory = try TemporaryDirectory(prefix: "siem-edr-hash")
        let folder = directory.url.path
        let executor = executor(folder)
        try FileManager.default.createSymbolicLink(atPath: folder + "/shadow", withDestinationPath: "/etc/shadow")
        try FileManager.default.createSymbolicLink(
            atPath: folder + "/environ", withDestinationPath: "/proc/self/environ")
        try FileManager.default.createDirectory(atPath: folder + "/state", withIntermediateDirectories: true)
        try Data(#"{"token":"secret"}"#.utf8).write(to: URL(fileURLWithPath: folder + "/state/edr.json"))
        try FileManager.default.createDirectory(atPath: folder + "/alice/.ssh", withIntermediateDirectories: true)
        try Data("PRIVATE".utf8).write(to: URL(fileURLWithPath: folder + "/alice/.ssh/id_ed25519"))
        try Data("siemd".utf8).write(to: URL(fileURLWithPath: folder + "/siem.sqlite3"))
        #expect(mkfifo(folder + "/fifo", 0o600) == 0)
        for path in [
            "/etc/shadow", folder + "/shadow", "/usr/../etc/shadow", folder + "/../../etc/shadow",
            "/proc/self/environ", folder + "/environ", "/dev/null", "/etc/hostname", folder + "/state/edr.json",
            folder + "/alice/.ssh/id_ed25519", folder + "/siem.sqlite3", folder + "/fifo", folder,
        ] {
            let outcome = await hash(executor, path)
            #expect(outcome.status == "refused", "\(path): \(outcome)")
            #expect(outcome.output == nil)
        }
        let shadow = await hash(executor, folder + "/shadow")
        #expect(shadow.error?.contains("/etc/shadow") == true, "\(shadow)")
        // A missing file outside the allowlist is refused too: no probing for what exists there.
        #expect(await hash(executor, "/etc/nothing-here").status == "refused")
        #expect(await hash(executor, folder + "/nothing-here").error == "no such file: \(folder)/nothing-here")
    }

    @Test func allowedFilesAreHashedThroughSymlinks() async throws {
        let directory = try TemporaryDirectory(prefix: "siem-edr-hash")
        let folder = directory.url.path
        let content = Data("hello edr".utf8)
        try content.write(to: URL(fileURLWithPath: folder + "/sample.txt"))
        try FileManager.default.createSymbolicLink(
            atPath: folder + "/link", withDestinationPath: folder + "/sample.txt")
        try Data("ssh-ed25519 AAAA".utf8).write(to: URL(fileURLWithPath: folder + "/id_ed25519.pub"))
        let expected = SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
        for path in [folder + "/sample.txt", folder + "/link", folder + "/./sample.txt"] {
            let outcome = await hash(executor(folder), path)
            #expect(outcome.status == "succeeded", "\(path): \(outcome)")
            #expect(outcome.output?.objectValue?["sha256"]?.stringValue == expected)
            #expect(outcome.output?.objectValue?["path"]?.stringValue == path)
        }
        let linked = await hash(executor(folder), folder + "/link")
        #expect(
            linked.output?.objectValue?["resolved_path"]?.stringValue
                == PathResolution.resolve(folder + "/sample.txt").path)
        #expect(await hash(executor(folder), "/usr/bin/env").status == "succeeded")
    }

    // MARK: kill_process

    let agent = ResponsePolicy.AgentIdentity(pid: 4000, parentPID: 3999, executable: "/usr/local/bin/siem-agent")

    func facts(
        pid: Int32 = 5000, threadGroup: Int32? = nil, comm: String = "sleep", executable: String? = "/usr/bin/sleep",
        kernel: Bool = false
    ) -> ResponsePolicy.ProcessFacts {
        ResponsePolicy.ProcessFacts(
            pid: pid, threadGroup: threadGroup ?? pid, comm: comm, executable: executable, isKernelThread: kernel)
    }

    @Test func initTheAgentAndItsParentAreNeverSignalled() {
        for pid: Int32 in [-1, 0, 1, 4000, 3999] {
            #expect(ResponsePolicy.pidRefusal(pid, agent: agent) != nil, "\(pid)")
        }
        #expect(ResponsePolicy.pidRefusal(5000, agent: agent) == nil)
        #expect(ResponsePolicy.pidRefusal(3999, agent: agent)?.contains("parent") == true)
        // A thread of the agent names the agent.
        #expect(ResponsePolicy.processRefusal(facts(pid: 4001, threadGroup: 4000), agent: agent) != nil)
    }

    @Test func theSIEMsProgramsAndKernelThreadsAreNeverSignalled() {
        for refused in [
            facts(comm: "siemd", executable: "/opt/siem/siemd"),
            facts(comm: "NIO-ELT-0-#0", executable: "/opt/siem/siemd"),
            facts(comm: "siem-agent", executable: "/srv/other/siem-agent"),
            facts(comm: "siemd", executable: nil),
            facts(comm: "renamed", executable: "/usr/local/bin/siem-agent"),
            facts(pid: 2, comm: "kthreadd", executable: nil, kernel: true),
            facts(pid: 77, comm: "kworker/0:1", executable: nil, kernel: true),
            facts(pid: 5001, threadGroup: 5000),
        ] {
            #expect(ResponsePolicy.processRefusal(refused, agent: agent) != nil, "\(refused)")
        }
        for allowed in [facts(), facts(comm: "siemd-helper", executable: "/usr/bin/siemd-helper"), facts(pid: 2)] {
            #expect(ResponsePolicy.processRefusal(allowed, agent: agent) == nil, "\(allowed)")
        }
    }

    @Test func liveProcessFactsComeFromProc() throws {
        let (own, _) = try #require(ResponsePolicy.ProcessFacts.read(getpid()))
        #expect(own.threadGroup == getpid() && !own.isKernelThread)
        #expect(own.executable == ResponsePolicy.AgentIdentity.current().executable)
        if let kernel = ProcFS.pids().first(where: { (ProcFS.stat($0)?.flags ?? 0) & 0x0020_0000 != 0 }) {
            #expect(try #require(ResponsePolicy.ProcessFacts.read(kernel)).0.isKernelThread)
        }
        #expect(ResponsePolicy.ProcessFacts.read(Int32.max) == nil)
    }

    @Test func aProcessRunningAProgramNamedSiemdIsNotKilled() async throws {
        let directory = try TemporaryDirectory(prefix: "siem-edr-kill")
        let folder = directory.url.path
        let disguised = try SpawnedProcess([try copy("/bin/sleep", to: folder + "/siemd"), "30"])
        let agentNamed = try SpawnedProcess([try copy("/bin/sleep", to: folder + "/siem-agent"), "30"])
        for target in [disguised, agentNamed] {
            #expect(
                await eventually(5) {
                    ProcFS.stat(target.pid).map { ["siemd", "siem-agent"].contains($0.comm) } == true
                })
            var state = AgentState()
            let outcome = await executor(folder).execute(
                typeName: "kill_process", params: ["pid": .int(Int64(target.pid))], state: &state)
            #expect(outcome.status == "refused", "\(outcome)")
            #expect(outcome.error?.contains("part of the SIEM") == true, "\(outcome)")
            #expect(ProcFS.stat(target.pid)?.state != "Z" && kill(target.pid, 0) == 0, "the process was signalled")
        }
    }

    @Test func aKernelThreadIsNotSignalled() async throws {
        let kernel = ProcFS.pids().first { (ProcFS.stat($0)?.flags ?? 0) & 0x0020_0000 != 0 }
        guard let kernel else { return }  // none visible (a container): the fixed-fact test covers it
        var state = AgentState()
        let outcome = await executor("/nonexistent").execute(
            typeName: "kill_process", params: ["pid": .int(Int64(kernel))], state: &state)
        #expect(outcome.status == "refused", "\(outcome)")
        #expect(outcome.error?.contains("kernel thread") == true, "\(outcome)")
    }

    func copy(_ source: String, to destination: String) throws -> String {
        try FileManager.default.copyItem(atPath: source, toPath: destination)
        return destination
    }
}
