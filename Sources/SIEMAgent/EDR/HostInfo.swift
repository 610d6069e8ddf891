import Foundation

/// What the agent reports about its host at registration.
enum HostInfo {
    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func osName() -> String {
        let release = ProcFS.read("/etc/os-release", limit: 65536) ?? ""
        for line in release.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return "Linux"
    }

    static func kernel() -> String {
        (ProcFS.read("/proc/sys/kernel/osrelease", limit: 256) ?? "unknown").trimmingCharacters(
            in: .whitespacesAndNewlines)
    }
}
