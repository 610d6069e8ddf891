import Foundation
import SIEMCore

/// The response actions an agent knows, and what each needs.
enum ActionType: String, CaseIterable {
    case collectFileHash = "collect_file_hash"
    case killProcess = "kill_process"
    case isolateEndpoint = "isolate_endpoint"
    case unisolateEndpoint = "unisolate_endpoint"
    case blockIP = "block_ip"
    case unblockIP = "unblock_ip"

    /// Everything but reading a hash changes the endpoint and needs an allowlisted requester.
    var isDangerous: Bool { self != .collectFileHash }

    /// Checks and canonicalizes `params`; `protectedIPs` may never be blocked.
    func validate(_ params: [String: JSONValue], protectedIPs: Set<String>) throws(APIError) -> [String: JSONValue] {
        let object = JSONObject(members: params)
        switch self {
        case .collectFileHash:
            let path = try object.requiredString("path", maxLength: 4096)
            guard path.hasPrefix("/"), !path.contains("\0") else {
                throw .invalid("`params.path` must be an absolute file path")
            }
            return ["path": .string(path)]
        case .killProcess:
            guard let pid = try object.int("pid") else { throw .invalid("`params.pid` is required") }
            guard pid > 1, pid <= 4_194_304 else { throw .invalid("`params.pid` must be a process id above 1") }
            var result: [String: JSONValue] = ["pid": .int(pid)]
            if let start = try object.int("start_time") {
                guard start >= 0 else { throw .invalid("`params.start_time` must not be negative") }
                result["start_time"] = .int(start)
            }
            return result
        case .blockIP, .unblockIP:
            let text = try object.requiredString("ip", maxLength: 64)
            guard let ip = IPAddress.canonical(text) else {
                throw .invalid("`params.ip` must be an IPv4 or IPv6 address")
            }
            if let reason = Self.unblockable(ip, protectedIPs: protectedIPs) {
                throw .invalid("`params.ip` \(ip) cannot be blocked: \(reason)")
            }
            return ["ip": .string(ip)]
        case .isolateEndpoint, .unisolateEndpoint:
            return [:]
        }
    }

    static func unblockable(_ ip: String, protectedIPs: Set<String>) -> String? {
        if ip == "0.0.0.0" || ip == "::" { return "it is the unspecified address" }
        if ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.") { return "it is a loopback address" }
        if protectedIPs.contains(ip) { return "it is the SIEM server's address" }
        return nil
    }
}
