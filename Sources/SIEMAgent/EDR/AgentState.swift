import Foundation

/// What the agent keeps across restarts: its identity and the firewall state it applied.
struct AgentState: Codable, Sendable, Equatable {
    var agentID: String?
    var token: String?
    var blockedIPs: [String] = []
    var isolated = false

    enum CodingKeys: String, CodingKey {
        case agentID = "agent_id"
        case token
        case blockedIPs = "blocked_ips"
        case isolated
    }

    static func load(_ path: String) -> AgentState {
        guard let data = FileManager.default.contents(atPath: path),
            let state = try? JSONDecoder().decode(AgentState.self, from: data)
        else { return AgentState() }
        return state
    }

    /// Writes atomically, readable by the owner only (it holds the agent token).
    func save(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let temporary = path + ".tmp"
        _ = FileManager.default.createFile(
            atPath: temporary, contents: try encoder.encode(self), attributes: [.posixPermissions: 0o600])
        guard rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
