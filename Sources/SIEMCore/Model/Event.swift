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
    /// Where the event's line sits in a stream its shipper follows (`_stream`), for exactly-once
    /// delivery; not stored with the event.
    public var stream: StreamPosition?

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
        ips: [String] = [],
        stream: StreamPosition? = nil
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
        self.stream = stream
    }
}

/// A line's place in a stream: a file as one agent follows it (`siem-agent tail` names it
/// `<agent id>/<device>:<inode>/<generation>`), the byte range of the line in it, and the identity
/// that sent it. The store keeps per (scope, id) the offset up to which every line is stored, in the
/// same transaction as the events, and drops a line that starts below it: a batch sent again after a
/// crash or a lost answer is stored once.
public struct StreamPosition: Sendable, Hashable {
    /// The longest stream id accepted.
    public static let maxIDBytes = 200

    /// The authenticated identity that sent the line (set by the server, never by the client), so
    /// one client cannot advance another's stream.
    public var scope: String
    public var id: String
    /// Where the line starts, and where the next one starts.
    public var start: Int64
    public var end: Int64

    public init(scope: String = "", id: String, start: Int64, end: Int64) {
        self.scope = scope
        self.id = id
        self.start = start
        self.end = end
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
