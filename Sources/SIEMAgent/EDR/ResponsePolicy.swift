import Foundation
import SIEMCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What the agent refuses whatever the server asks. siemd checks actions when they are queued, but
/// a compromised or impersonated server must not be able to make the agent cut itself off, leak
/// secrets or kill itself, so the agent decides again on its own (defence in depth).
///
/// The decisions are pure functions of facts gathered beforehand (a resolved path, a process's
/// `/proc` entries, addresses), so each refusal can be tested without a server.
enum ResponsePolicy {
    // MARK: block_ip / unblock_ip

    /// Why `type` (block_ip or unblock_ip) with `params` is refused, or nil: `params.ip` must be
    /// one IP address in canonical form (what siemd sends), neither unspecified nor loopback nor
    /// one of `protectedIPs` (the SIEM server's and this host's own addresses), also when written
    /// as an IPv4-mapped IPv6 address.
    static func addressRefusal(
        _ type: ActionType, _ params: [String: JSONValue], protectedIPs: Set<String>
    ) -> String? {
        let checked: [String: JSONValue]
        do {
            // The protected set is checked below, to say which kind of address it is.
            checked = try type.validate(params, protectedIPs: [])
        } catch {
            return "refusing \(type.rawValue): \(error.detail)"
        }
        guard let ip = checked["ip"]?.stringValue, params["ip"]?.stringValue == ip else {
            return "refusing \(type.rawValue): `params.ip` must be a single IP address in canonical form"
        }
        var forms = [ip]
        if ip.hasPrefix("::ffff:"), let v4 = IPAddress.canonical(ip.dropFirst(7)) { forms.append(v4) }
        for form in forms {
            if let reason = ActionType.unblockable(form, protectedIPs: []) {
                return "refusing \(type.rawValue) \(ip): \(reason)"
            }
            if protectedIPs.contains(form) {
                return
                    "refusing \(type.rawValue) \(ip): it is the SIEM server's address, this host's own or a name server the agent needs"
            }
        }
        return nil
    }

    // MARK: kill_process

    /// What `/proc` says about a process `kill_process` names.
    struct ProcessFacts: Equatable {
        var pid: Int32
        /// The thread group (process) id; differs from `pid` when `pid` names a thread.
        var threadGroup: Int32
        var comm: String
        /// `/proc/<pid>/exe`, without a " (deleted)" suffix; nil when unreadable.
        var executable: String?
        /// PF_KTHREAD in the flags of `/proc/<pid>/stat`.
        var isKernelThread: Bool
    }

    /// The agent's own identity, which no `kill_process` may touch.
    struct AgentIdentity: Equatable {
        var pid: Int32
        var parentPID: Int32
        /// `/proc/self/exe`, nil when unreadable.
        var executable: String?

        static func current() -> AgentIdentity {
            AgentIdentity(pid: getpid(), parentPID: getppid(), executable: ProcessFacts.executable(of: "self"))
        }
    }

    /// Program names whose processes are never signalled: the SIEM server and this agent.
    static let protectedProgramNames: Set<String> = ["siemd", "siem-agent"]

    /// Why `pid` may not be signalled before looking at the process, or nil.
    static func pidRefusal(_ pid: Int32, agent: AgentIdentity) -> String? {
        if pid <= 1 { return "refusing to signal pid \(pid)" }
        if pid == agent.pid { return "refusing to kill the agent itself" }
        if pid == agent.parentPID { return "refusing to kill the agent's parent process (pid \(pid))" }
        return nil
    }

    /// Why the process described by `facts` may not be signalled, or nil.
    static func processRefusal(_ facts: ProcessFacts, agent: AgentIdentity) -> String? {
        if facts.isKernelThread { return "refusing to signal pid \(facts.pid): it is a kernel thread" }
        if facts.threadGroup != facts.pid {
            return "refusing to signal pid \(facts.pid): it is a thread of process \(facts.threadGroup)"
        }
        let program = facts.executable.map { ($0 as NSString).lastPathComponent }
        if let program, protectedProgramNames.contains(program) {
            return "refusing to kill pid \(facts.pid): it runs \(program), part of the SIEM"
        }
        if protectedProgramNames.contains(facts.comm) {
            return "refusing to kill pid \(facts.pid): it is named \(facts.comm), part of the SIEM"
        }
        if let executable = facts.executable, executable == agent.executable {
            return "refusing to kill pid \(facts.pid): it runs the agent's own executable"
        }
        return nil
    }
}

extension ResponsePolicy.ProcessFacts {
    static let kernelThreadFlag: UInt32 = 0x0020_0000

    /// The facts about `pid` and its `/proc/<pid>/stat`, nil when it does not exist, is a zombie, or
    /// the pid was reused while reading.
    static func read(_ pid: Int32) -> (ResponsePolicy.ProcessFacts, ProcFS.Stat)? {
        guard let stat = ProcFS.stat(pid), stat.state != "Z" else { return nil }
        var threadGroup = pid
        if let status = ProcFS.read("/proc/\(pid)/status", limit: 8192) {
            for line in status.split(separator: "\n") where line.hasPrefix("Tgid:") {
                threadGroup = Int32(line.dropFirst(5).trimmingCharacters(in: .whitespaces)) ?? pid
            }
        }
        let comm = ProcFS.read("/proc/\(pid)/comm", limit: 256)?.trimmingCharacters(in: .newlines) ?? stat.comm
        let facts = ResponsePolicy.ProcessFacts(
            pid: pid, threadGroup: threadGroup, comm: comm, executable: executable(of: String(pid)),
            isKernelThread: stat.flags & kernelThreadFlag != 0)
        guard let again = ProcFS.stat(pid), again.startTime == stat.startTime else { return nil }
        return (facts, stat)
    }

    /// `/proc/<entry>/exe` without the " (deleted)" the kernel adds once the file is replaced.
    static func executable(of entry: String) -> String? {
        guard var target = ProcFS.readLink("/proc/\(entry)/exe") else { return nil }
        if target.hasSuffix(" (deleted)") { target.removeLast(" (deleted)".count) }
        return target
    }
}

/// Which files `collect_file_hash` may read: under one of the allowed prefixes and not denied.
/// Both are checked against the path with every symlink, `.` and `..` resolved.
struct HashPathPolicy: Sendable, Equatable {
    /// The default `--hash-path` prefixes: programs and libraries, third-party software, served
    /// content, home folders and the world-writable folders malware is dropped in. Not `/etc`
    /// (it concentrates host keys, TLS keys and service credentials that no denylist can name),
    /// nor `/proc`, `/sys`, `/dev`, `/run` or `/var/lib` (agent and service state).
    static let defaultPrefixes = [
        "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/srv", "/var/www", "/home",
        "/root", "/tmp", "/var/tmp",
    ]
    /// Trees never read, even inside an allowed prefix.
    static let deniedTrees = [
        "/proc", "/sys", "/dev", "/run/secrets", "/run/credentials", "/etc/ssl/private", "/etc/sudoers.d",
    ]
    /// Files in `/etc` never read (name prefixes: `shadow` covers the `shadow-` backup).
    static let deniedEtcNamePrefixes = ["shadow", "gshadow", "sudoers"]
    static let deniedFiles: Set<String> = ["/etc/security/opasswd"]
    /// siemd's database (agent tokens, every event) under its default name, with its side files.
    static let deniedNames: Set<String> = [
        "siem.sqlite3", "siem.sqlite3-wal", "siem.sqlite3-shm", "siem.sqlite3-journal",
    ]
    /// What may be read inside a `.ssh` folder: public keys and the files that say who may log in
    /// (worth hashing as persistence evidence); anything else there may be a private key.
    static let readableSSHNames: Set<String> = [
        "authorized_keys", "authorized_keys2", "known_hosts", "known_hosts.old", "config",
    ]

    /// Resolved allowed prefixes.
    var allowedPrefixes: [String]
    /// Resolved paths of files specific to this installation (the agent's state and audit log,
    /// siemd's database when `SIEM_DB` names it).
    var protectedFiles: Set<String>

    /// The policy for `configuration`, its paths resolved now.
    static func resolved(_ configuration: EDRConfiguration) -> HashPathPolicy {
        var files = [configuration.statePath, configuration.statePath + ".tmp", configuration.auditLogPath]
        if let database = ProcessInfo.processInfo.environment["SIEM_DB"], !database.isEmpty {
            let absolute =
                database.hasPrefix("/") ? database : FileManager.default.currentDirectoryPath + "/" + database
            files += ["", "-wal", "-shm", "-journal"].map { absolute + $0 }
        }
        return HashPathPolicy(
            allowedPrefixes: configuration.hashPaths.map { PathResolution.resolve($0).path },
            protectedFiles: Set(files.map { PathResolution.resolve($0).path }))
    }

    /// Why `resolvedPath` (absolute, symlinks and dots resolved) may not be hashed, or nil.
    func refusal(resolvedPath path: String) -> String? {
        if let tree = Self.deniedTrees.first(where: { Self.path(path, isUnder: $0) }) {
            return "\(tree) is never read"
        }
        let name = (path as NSString).lastPathComponent
        let folder = (path as NSString).deletingLastPathComponent
        if Self.deniedFiles.contains(path)
            || (folder == "/etc" && Self.deniedEtcNamePrefixes.contains { name.hasPrefix($0) })
        {
            return "it holds password or privilege data"
        }
        if folder == "/etc/ssh", name.hasPrefix("ssh_host_"), !name.hasSuffix(".pub") {
            return "it is an SSH host private key"
        }
        let components = path.split(separator: "/")
        if components.dropLast().contains(".ssh"), !name.hasSuffix(".pub"), !Self.readableSSHNames.contains(name) {
            return "it may be an SSH private key"
        }
        if components.dropLast().contains(".gnupg") { return "it is in a GnuPG keyring folder" }
        if protectedFiles.contains(path) || Self.deniedNames.contains(name) {
            return "it is the agent's or siemd's own state"
        }
        guard allowedPrefixes.contains(where: { Self.path(path, isUnder: $0) }) else {
            return "it is outside the allowed paths (--hash-path: \(allowedPrefixes.joined(separator: ", ")))"
        }
        return nil
    }

    /// Whether `path` is `prefix` or inside it, comparing whole components.
    static func path(_ path: String, isUnder prefix: String) -> Bool {
        if prefix == "/" { return true }
        return path == prefix || path.hasPrefix(prefix + "/")
    }
}

/// Turning a requested path into the one the kernel would open.
enum PathResolution {
    /// `path` with every symlink, `.` and `..` resolved (`realpath`), and the `errno` of that when
    /// it failed: then the deepest ancestor that resolves, with the rest appended lexically, so a
    /// missing file is still judged by where it would be.
    static func resolve(_ path: String) -> (path: String, error: Int32?) {
        if let real = real(path) { return (real, nil) }
        let error = errno
        var head = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var tail: [String] = []
        while head.count > 1 {
            tail.insert(head.removeLast(), at: 0)
            let ancestor = head.joined(separator: "/")
            if let real = real(ancestor.isEmpty ? "/" : ancestor) {
                return (lexical(real + "/" + tail.joined(separator: "/")), error)
            }
        }
        return (lexical(path), error)
    }

    static func real(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// `path` (absolute) without empty components, `.` and `..`.
    static func lexical(_ path: String) -> String {
        var components: [Substring] = []
        for component in path.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }
}
