import Foundation

/// Turns an ingest body (one event object, a JSON array of them, or NDJSON) into events.
///
/// Decoding is all-or-nothing: the first invalid event fails the whole body with an error
/// that names its position and the problem.
public struct EventDecoder: Sendable {
    public enum Format: Sendable {
        /// One object or an array of objects.
        case json
        /// One object per line; blank lines are skipped.
        case ndjson
    }

    /// The most events one body may carry.
    public var maxEvents: Int

    public init(maxEvents: Int = 100_000) {
        self.maxEvents = maxEvents
    }

    public func decode(_ data: Data, format: Format, receivedAt: Date) throws(IngestError) -> [Event] {
        var events: [Event] = []
        switch format {
        case .json:
            guard data.contains(where: { !Self.isSpace($0) }) else {
                throw .malformed("the body is empty; send a JSON object, a JSON array or NDJSON")
            }
            switch try Self.parse(data, position: nil) {
            case .object(let object):
                events.append(try Self.event(object, owner: nil, receivedAt: receivedAt))
            case .array(let items):
                guard items.count <= maxEvents else {
                    throw .invalid("a request may carry at most \(maxEvents) events")
                }
                for (index, item) in items.enumerated() {
                    guard case .object(let object) = item else { throw .invalid("[\(index)] must be an event object") }
                    events.append(try Self.event(object, owner: "[\(index)]", receivedAt: receivedAt))
                }
            default:
                throw .malformed("the body must be a JSON object or array of event objects")
            }
        case .ndjson:
            let result = data.withUnsafeBytes { raw -> Result<[Event], IngestError> in
                Result { () throws(IngestError) in
                    try decodeLines(raw.bindMemory(to: UInt8.self), receivedAt: receivedAt)
                }
            }
            events = try result.get()
        }
        guard !events.isEmpty else { throw .invalid("the body holds no events") }
        return events
    }

    /// One event object per line; blank lines are skipped; errors name the line.
    private func decodeLines(_ bytes: UnsafeBufferPointer<UInt8>, receivedAt: Date) throws(IngestError) -> [Event] {
        var events: [Event] = []
        var lineNumber = 0
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
            start = end + 1
            guard line.contains(where: { !Self.isSpace($0) }) else { continue }
            let position = "line \(lineNumber)"
            let value: JSONValue
            do {
                value = try JSONParser.parse(line)
            } catch {
                throw .malformed("\(position): the body is not valid JSON: \(error.reason) at byte \(error.offset)")
            }
            guard case .object(let object) = value else {
                throw .invalid("\(position): each line must be an event object")
            }
            do {
                events.append(try Self.event(object, owner: nil, receivedAt: receivedAt))
            } catch {
                throw .invalid("\(position): \(error.detail)")
            }
            guard events.count <= maxEvents else { throw .invalid("a request may carry at most \(maxEvents) events") }
        }
        return events
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func parse(_ bytes: Data, position: String?) throws(IngestError) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            let detail = "the body is not valid JSON: \(error.reason) at byte \(error.offset)"
            throw .malformed(position.map { "\($0): \(detail)" } ?? detail)
        }
    }

    /// The keys of the event shape itself. Every other key of an event object is kept, verbatim,
    /// in the event's `fields` (see `EventDecoder+Foreign.swift`).
    public static let eventKeys: Set<String> = [
        "message", "source", "host", "agent_id", "log_type", "fields", "ts", "_stream",
    ]

    /// Validates one event object; `owner` names it in errors (`[3]` inside an array).
    ///
    /// The event keys are read strictly: `message`, `source`, `host`, `agent_id` and `log_type` must
    /// be strings when present (`host` and `source` may also be ECS objects), `fields` an object and
    /// `ts` a time. An object that is not only in this shape (a Beats, OTel or Windows export record)
    /// is completed by `adoptForeignKeys`; the common shape takes no extra work.
    static func event(_ object: [String: JSONValue], owner: String?, receivedAt: Date) throws(IngestError) -> Event {
        func name(_ key: String) -> String { owner.map { "\($0).\(key)" } ?? key }
        var present = 0
        func lookup(_ key: String) -> JSONValue? {
            let value = object[key]
            if value != nil { present += 1 }
            return value
        }
        func string(_ key: String) throws(IngestError) -> String? {
            switch lookup(key) {
            case nil, .null?: return nil
            case .string(let value)?: return value
            default: throw .invalid("`\(name(key))` must be a string")
            }
        }
        var parts = Parts()
        // `message` is the preferred key: when present it must be a string (null included), so a
        // client in the event shape with a bad message is told so rather than silently adopted.
        switch lookup("message") {
        case nil: break
        case .string(let value)?: parts.message = value
        default: throw .invalid("`\(name("message"))` must be a string")
        }
        switch lookup("source") {
        case nil, .null?: break
        case .string(let value)?: parts.source = value
        case .object(let value)?: parts.sourceObject = value
        default: throw .invalid("`\(name("source"))` must be a string or an ECS source object")
        }
        switch lookup("host") {
        case nil, .null?: break
        case .string(let value)?: parts.host = value
        case .object(let value)?: parts.hostObject = value
        default: throw .invalid("`\(name("host"))` must be a string or an ECS host object (`{\"name\": …}`)")
        }
        let agentID = try string("agent_id")
        var logType = try string("log_type")
        switch lookup("fields") {
        case nil, .null?: break
        case .object(let value)?: parts.fields = value
        default: throw .invalid("`\(name("fields"))` must be an object")
        }
        parts.ts = try time(lookup("ts"), key: "ts", owner: owner)
        let stream = try streamPosition(lookup("_stream"), owner: owner)
        if present < object.count || parts.message == nil || parts.hostObject != nil || parts.sourceObject != nil {
            try adoptForeignKeys(object, hasForeignKeys: present < object.count, owner: owner, into: &parts)
        }
        if logType == nil, case .string(let tagged)? = parts.fields["log_type"] { logType = tagged }
        return Event(
            ts: parts.ts ?? receivedAt,
            receivedAt: receivedAt,
            source: parts.source.flatMap { $0.isEmpty ? nil : $0 } ?? "api",
            host: parts.host.flatMap { $0.isEmpty ? nil : $0 } ?? "unknown",
            agentID: agentID.flatMap { $0.isEmpty ? nil : $0 },
            message: parts.message ?? "",
            fields: parts.fields,
            logType: logType,
            stream: stream
        )
    }

    /// `_stream: {"id": text, "start": n, "end": n}`: where a shipper's line sits in the file it
    /// follows (see `StreamPosition`), read strictly: a shipper that sends one must send it right.
    static func streamPosition(_ value: JSONValue?, owner: String?) throws(IngestError) -> StreamPosition? {
        var name: String { owner.map { "\($0)._stream" } ?? "_stream" }
        switch value {
        case nil, .null?: return nil
        case .object(let members)?:
            guard case .string(let id)? = members["id"], !id.isEmpty, id.utf8.count <= StreamPosition.maxIDBytes
            else {
                throw .invalid("`\(name).id` must be a non-empty string of at most \(StreamPosition.maxIDBytes) bytes")
            }
            guard case .int(let start)? = members["start"], case .int(let end)? = members["end"], start >= 0,
                end > start
            else {
                throw .invalid("`\(name).start` and `\(name).end` must be integers with 0 <= start < end")
            }
            return StreamPosition(id: id, start: start, end: end)
        default:
            throw .invalid("`\(name)` must be an object: {\"id\": …, \"start\": …, \"end\": …}")
        }
    }

    /// An event time: RFC 3339 text or a Unix epoch (number or decimal text), as `Timestamp`
    /// parses them, or the `/Date(1732870800000)/` text PowerShell's `ConvertTo-Json` writes. A
    /// value that is none of these is refused with its key named, never replaced by the receive time.
    static func time(_ value: JSONValue?, key: String, owner: String?) throws(IngestError) -> Date? {
        // The error text is only built when it is needed: this runs for every event.
        var name: String { owner.map { "\($0).\(key)" } ?? key }
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            guard let date = Timestamp.parse(text) ?? dotNetDate(text) else {
                throw .invalid("`\(name)` must be an RFC 3339 time or a Unix epoch, not \"\(text.prefix(40))\"")
            }
            return date
        case .int(let number)?:
            guard let date = Timestamp.fromEpoch(Double(number)) else {
                throw .invalid("`\(name)` is not a valid Unix epoch")
            }
            return date
        case .double(let number)?:
            guard let date = Timestamp.fromEpoch(number) else { throw .invalid("`\(name)` is not a valid Unix epoch") }
            return date
        default:
            throw .invalid("`\(name)` must be an RFC 3339 time or a Unix epoch")
        }
    }
}
