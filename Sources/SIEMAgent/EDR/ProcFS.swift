import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Small readers of `/proc` (Linux).
enum ProcFS {
    static func read(_ path: String, limit: Int = 1 << 20) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: limit) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink(path, &buffer, 4096)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func pids() -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return names.compactMap { Int32($0) }
    }

    /// The fields of `/proc/<pid>/stat` that matter here.
    struct Stat: Equatable {
        var comm: String
        var state: Character
        var ppid: Int32
        /// The kernel's PF_* flags (field 9).
        var flags: UInt32 = 0
        /// Clock ticks after boot; with the pid, identifies one process across pid reuse.
        var startTime: UInt64
    }

    static func stat(_ pid: Int32) -> Stat? {
        guard let text = read("/proc/\(pid)/stat", limit: 4096),
            let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")")
        else { return nil }
        let comm = String(text[text.index(after: open)..<close])
        let rest = text[text.index(after: close)...].split(separator: " ")
        // rest[0] is field 3 (state); flags is field 9, starttime field 22.
        guard rest.count > 19, let state = rest[0].first, let ppid = Int32(rest[1]), let flags = UInt32(rest[6]),
            let start = UInt64(rest[19])
        else { return nil }
        return Stat(comm: comm, state: state, ppid: ppid, flags: flags, startTime: start)
    }

    static func uid(_ pid: Int32) -> UInt32? {
        guard let status = read("/proc/\(pid)/status", limit: 8192) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("Uid:") {
            return line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first.flatMap { UInt32($0) }
        }
        return nil
    }

    static func commandLine(_ pid: Int32) -> String {
        guard let text = read("/proc/\(pid)/cmdline", limit: 4096) else { return "" }
        return text.split(separator: "\0").joined(separator: " ")
    }

    static func userName(_ uid: UInt32) -> String {
        var record = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &record, &buffer, buffer.count, &result) == 0, result != nil, let name = record.pw_name
        else { return String(uid) }
        return String(cString: name)
    }
}
