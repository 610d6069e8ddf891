import Foundation
import Hummingbird
import SIEMCore
import SIEMStore

/// Builds JSON response bodies by hand: snake_case keys, events with their free-form fields, and
/// no per-request encoder allocation on the hot path.
struct JSONBody {
    private(set) var text = ""

    static func response(status: HTTPResponse.Status = .ok, _ build: (inout JSONBody) -> Void) -> Response {
        var body = JSONBody()
        build(&body)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body.text)))
    }

    mutating func raw(_ fragment: String) { text += fragment }
    mutating func string(_ value: String) { JSONValue.writeString(value, to: &text) }
    mutating func optional(_ value: String?) {
        if let value { string(value) } else { text += "null" }
    }
    mutating func value(_ value: JSONValue) { value.write(to: &text) }
    mutating func date(_ value: Date) { string(Timestamp.format(value)) }

    /// `{"k": v, …}` from an ordered list of members.
    mutating func object(_ members: [(String, (inout JSONBody) -> Void)]) {
        text += "{"
        for (index, (key, write)) in members.enumerated() {
            if index > 0 { text += "," }
            string(key)
            text += ":"
            write(&self)
        }
        text += "}"
    }

    mutating func array<T>(_ items: [T], _ write: (inout JSONBody, T) -> Void) {
        text += "["
        for (index, item) in items.enumerated() {
            if index > 0 { text += "," }
            write(&self, item)
        }
        text += "]"
    }

    mutating func event(_ event: Event) {
        object([
            ("id", { $0.raw(event.id.map(String.init) ?? "null") }),
            ("ts", { $0.date(event.ts) }),
            ("received_at", { $0.date(event.receivedAt) }),
            ("source", { $0.string(event.source) }),
            ("host", { $0.string(event.host) }),
            ("agent_id", { $0.optional(event.agentID) }),
            ("log_type", { $0.optional(event.logType) }),
            ("message", { $0.string(event.message) }),
            ("fields", { $0.value(.object(event.fields)) }),
            ("normalized", { $0.value(.object(event.normalized)) }),
            ("ips", { body in body.array(event.ips) { $0.string($1) } }),
        ])
    }

    mutating func alert(_ alert: Alert, event: Event? = nil) {
        var members: [(String, (inout JSONBody) -> Void)] = [
            ("id", { $0.raw(alert.id.map(String.init) ?? "null") }),
            ("ts", { $0.date(alert.createdAt) }),
            ("created_at", { $0.date(alert.createdAt) }),
            ("rule_id", { $0.string(alert.ruleID) }),
            ("title", { $0.string(alert.title) }),
            ("severity", { $0.string(alert.severity.rawValue) }),
            ("description", { $0.string(alert.description) }),
            ("tags", { body in body.array(alert.tags) { $0.string($1) } }),
            ("event_id", { $0.raw(alert.eventID.map(String.init) ?? "null") }),
            ("host", { $0.string(alert.host) }),
            ("agent_id", { $0.optional(alert.agentID) }),
            ("details", { $0.value(.object(alert.details)) }),
        ]
        if let event { members.append(("event", { $0.event(event) })) }
        object(members)
    }

    mutating func buckets(_ buckets: [Bucket], key: String) {
        array(buckets) { body, bucket in
            body.object([(key, { $0.string(bucket.key) }), ("count", { $0.raw(String(bucket.count)) })])
        }
    }
}
