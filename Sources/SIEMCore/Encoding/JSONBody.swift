import Foundation

/// Writes JSON text by hand: snake_case keys, events with their free-form fields, and no
/// per-call encoder allocation on the hot path. HTTP responses, webhooks and the rule tester all
/// render models through it, so an event or alert has one JSON shape everywhere.
public struct JSONBody {
    public internal(set) var text = ""

    public init() {}

    /// The JSON text `build` writes.
    public static func text(_ build: (inout JSONBody) -> Void) -> String {
        var body = JSONBody()
        build(&body)
        return body.text
    }

    public mutating func raw(_ fragment: String) { text += fragment }
    public mutating func string(_ value: String) { JSONValue.writeString(value, to: &text) }
    public mutating func optional(_ value: String?) {
        if let value { string(value) } else { text += "null" }
    }
    public mutating func value(_ value: JSONValue) { value.write(to: &text) }
    public mutating func date(_ value: Date) { string(Timestamp.format(value)) }
    public mutating func optionalDate(_ value: Date?) {
        if let value { date(value) } else { raw("null") }
    }

    /// `{"k": v, …}` from an ordered list of members.
    public mutating func object(_ members: [(String, (inout JSONBody) -> Void)]) {
        text += "{"
        for (index, (key, write)) in members.enumerated() {
            if index > 0 { text += "," }
            string(key)
            text += ":"
            write(&self)
        }
        text += "}"
    }

    public mutating func array<T>(_ items: [T], _ write: (inout JSONBody, T) -> Void) {
        text += "["
        for (index, item) in items.enumerated() {
            if index > 0 { text += "," }
            write(&self, item)
        }
        text += "]"
    }

    /// `"key":` (the key must not need escaping).
    private mutating func key(_ name: StaticString, first: Bool = false) {
        text += first ? "{\"" : ",\""
        text += name.description
        text += "\":"
    }

    private mutating func integer(_ value: Int64?) { text += value.map(String.init) ?? "null" }

    public mutating func event(_ event: Event) {
        key("id", first: true)
        integer(event.id)
        key("ts")
        date(event.ts)
        key("received_at")
        date(event.receivedAt)
        key("source")
        string(event.source)
        key("host")
        string(event.host)
        key("agent_id")
        optional(event.agentID)
        key("log_type")
        optional(event.logType)
        key("message")
        string(event.message)
        key("fields")
        JSONValue.object(event.fields).write(to: &text)
        key("normalized")
        JSONValue.object(event.normalized).write(to: &text)
        key("ips")
        array(event.ips) { $0.string($1) }
        text += "}"
    }

    public mutating func alert(_ alert: Alert, event: Event? = nil) {
        key("id", first: true)
        integer(alert.id)
        key("ts")
        date(alert.ts)
        key("created_at")
        date(alert.createdAt)
        key("rule_id")
        string(alert.ruleID)
        key("title")
        string(alert.title)
        key("severity")
        string(alert.severity.rawValue)
        key("description")
        string(alert.description)
        key("tags")
        array(alert.tags) { $0.string($1) }
        key("event_id")
        integer(alert.eventID)
        key("host")
        string(alert.host)
        key("agent_id")
        optional(alert.agentID)
        key("details")
        JSONValue.object(alert.details).write(to: &text)
        key("rule_format")
        string(alert.rule.format)
        key("author")
        string(alert.rule.author)
        key("references")
        array(alert.rule.references) { $0.string($1) }
        key("falsepositives")
        array(alert.rule.falsePositives) { $0.string($1) }
        key("rule_file")
        string(alert.rule.file)
        key("kind")
        string(alert.kind.rawValue)
        key("count")
        integer(Int64(alert.count))
        key("first_seen")
        date(alert.firstSeen)
        key("last_seen")
        date(alert.lastSeen)
        key("event_ids")
        array(alert.eventIDs.isEmpty ? alert.eventID.map { [$0] } ?? [] : alert.eventIDs) { $0.integer($1) }
        key("group")
        JSONValue.object(alert.group).write(to: &text)
        key("status")
        string(alert.status.rawValue)
        key("assigned_to")
        optional(alert.assignedTo)
        if let event {
            key("event")
            self.event(event)
        }
        text += "}"
    }
}
