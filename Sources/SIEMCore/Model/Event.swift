import Foundation

/// One log event: what was sent, and what the pipeline understood of it.
public struct Event: Sendable, Hashable {
    public typealias ID = Int64

    /// Assigned by the store; nil until the event is committed.
    public var id: ID?
    /// Event time: from the log when it carries one, else the receive time.
    public var ts: Date
    public var receivedAt: Date
    public var source: String
    public var host: String
    public var agentID: String?
    public var message: String
    /// What the client sent besides the event keys: its `fields` object, and every other top-level key.
    public var fields: [String: JSONValue]
    /// The log type chosen for normalization (`web`, `sudo`, …), if any.
    public var logType: String?
    /// Flat ECS-style keys (`source.ip`, `user.name`, …) filled by the normalizer.
    public var normalized: [String: JSONValue]
    /// Every IP address seen in the message and the fields, canonical and deduplicated.
    public var ips: [String]

    public init(
        id: ID? = nil,
        ts: Date,
        receivedAt: Date,
        source: String,
        host: String,
        agentID: String? = nil,
        message: String,
        fields: [String: JSONValue] = [:],
        logType: String? = nil,
        normalized: [String: JSONValue] = [:],
        ips: [String] = []
    ) {
        self.id = id
        self.ts = ts
        self.receivedAt = receivedAt
        self.source = source
        self.host = host
        self.agentID = agentID
        self.message = message
        self.fields = fields
        self.logType = logType
        self.normalized = normalized
        self.ips = ips
    }
}

extension Event {
    /// The text values at a field path, as rules and filters address them.
    ///
    /// `message`, `host`, `source`, `agent_id` and `log_type` name the event's own members;
    /// `fields.x.y` looks inside the sent fields; `ips` lists every IP; any other path is a
    /// normalized key (`source.ip`, `user.name`, …).
    public func values(at path: String) -> [String] {
        switch path {
        case "message": return [message]
        case "host": return [host]
        case "source": return [source]
        case "agent_id": return agentID.map { [$0] } ?? []
        case "log_type": return logType.map { [$0] } ?? []
        case "ips", "ip": return ips
        default: break
        }
        let value: JSONValue?
        if path.hasPrefix("fields.") {
            value = JSONValue.object(fields).value(atPath: path.dropFirst("fields.".count))
        } else {
            value = normalized[path]
        }
        guard let value else { return [] }
        var texts: [String] = []
        value.forEachScalar { texts.append($0) }
        return texts
    }
}
