/// The response actions an EDR agent carries out, shared by siemd (which queues and checks them)
/// and the agent (which runs them).
public enum ActionType: String, Sendable, CaseIterable {
    case collectFileHash = "collect_file_hash"
    case killProcess = "kill_process"
    case isolateEndpoint = "isolate_endpoint"
    case unisolateEndpoint = "unisolate_endpoint"
    case blockIP = "block_ip"
    case unblockIP = "unblock_ip"

    /// Everything but reading a hash changes the endpoint and needs an allowlisted requester.
    public var isDangerous: Bool { self != .collectFileHash }

    /// Checks and canonicalizes `params`; `protectedIPs` may never be blocked.
    public func validate(
        _ params: [String: JSONValue], protectedIPs: Set<String>
    ) throws(InvalidInput) -> [String: JSONValue] {
        switch self {
        case .collectFileHash:
            let path = try Self.string(params, "path", maxLength: 4096)
            guard path.hasPrefix("/"), !path.contains("\0") else {
                throw InvalidInput("`params.path` must be an absolute file path")
            }
            return ["path": .string(path)]
        case .killProcess:
            guard let pid = try Self.int(params, "pid") else { throw InvalidInput("`params.pid` is required") }
            guard pid > 1, pid <= 4_194_304 else {
                throw InvalidInput("`params.pid` must be a process id above 1")
            }
            var result: [String: JSONValue] = ["pid": .int(pid)]
            if let start = try Self.int(params, "start_time") {
                guard start >= 0 else { throw InvalidInput("`params.start_time` must not be negative") }
                result["start_time"] = .int(start)
            }
            return result
        case .blockIP, .unblockIP:
            let text = try Self.string(params, "ip", maxLength: 64)
            guard let ip = IPAddress.canonical(text) else {
                throw InvalidInput("`params.ip` must be an IPv4 or IPv6 address")
            }
            if let reason = Self.unblockable(ip, protectedIPs: protectedIPs) {
                throw InvalidInput("`params.ip` \(ip) cannot be blocked: \(reason)")
            }
            return ["ip": .string(ip)]
        case .isolateEndpoint, .unisolateEndpoint:
            return [:]
        }
    }

    /// Why `ip` may never be blocked (unspecified, loopback, or one of `protectedIPs`), or nil.
    public static func unblockable(_ ip: String, protectedIPs: Set<String>) -> String? {
        if ip == "0.0.0.0" || ip == "::" { return "it is the unspecified address" }
        if ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.") { return "it is a loopback address" }
        if protectedIPs.contains(ip) { return "it is the SIEM server's address" }
        return nil
    }

    private static func string(
        _ params: [String: JSONValue], _ name: String, maxLength: Int
    ) throws(InvalidInput) -> String {
        guard let value = params[name], value != .null else { throw InvalidInput("`\(name)` is required") }
        guard case .string(let text) = value else { throw InvalidInput("`\(name)` must be a string") }
        guard text.utf8.count <= maxLength else {
            throw InvalidInput("`\(name)` is longer than \(maxLength) bytes")
        }
        guard !text.isEmpty else { throw InvalidInput("`\(name)` is required") }
        return text
    }

    private static func int(_ params: [String: JSONValue], _ name: String) throws(InvalidInput) -> Int64? {
        switch params[name] {
        case nil, .null?: return nil
        case .int(let value)?: return value
        case .double(let value)? where value.rounded() == value && abs(value) < 9e15: return Int64(value)
        default: throw InvalidInput("`\(name)` must be a whole number")
        }
    }
}
