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

    /// Validates one event object; `owner` names it in errors (`[3]` inside an array).
    static func event(_ object: [String: JSONValue], owner: String?, receivedAt: Date) throws(IngestError) -> Event {
        func name(_ key: String) -> String { owner.map { "\($0).\(key)" } ?? key }
        func string(_ key: String) throws(IngestError) -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            default: throw .invalid("`\(name(key))` must be a string")
            }
        }
        guard let messageValue = object["message"] else {
            throw .invalid("\(owner ?? "the event") is missing the required field `message`")
        }
        guard case .string(let message) = messageValue else {
            throw .invalid("`\(name("message"))` must be a string")
        }
        let source = try string("source")
        let host = try string("host")
        let agentID = try string("agent_id")
        var logType = try string("log_type")
        var fields: [String: JSONValue] = [:]
        switch object["fields"] {
        case nil, .null?: break
        case .object(let value)?: fields = value
        default: throw .invalid("`\(name("fields"))` must be an object")
        }
        var ts: Date?
        switch object["ts"] {
        case nil, .null?: break
        case .string(let text)?:
            guard let date = Timestamp.parse(text) else {
                throw .invalid("`\(name("ts"))` must be an RFC 3339 time or a Unix epoch, not \"\(text.prefix(40))\"")
            }
            ts = date
        case .int(let number)?:
            guard let date = Timestamp.fromEpoch(Double(number)) else {
                throw .invalid("`\(name("ts"))` is not a valid Unix epoch")
            }
            ts = date
        case .double(let number)?:
            guard let date = Timestamp.fromEpoch(number) else {
                throw .invalid("`\(name("ts"))` is not a valid Unix epoch")
            }
            ts = date
        default:
            throw .invalid("`\(name("ts"))` must be an RFC 3339 time or a Unix epoch")
        }
        if logType == nil, case .string(let tagged)? = fields["log_type"] { logType = tagged }
        return Event(
            ts: ts ?? receivedAt,
            receivedAt: receivedAt,
            source: source.flatMap { $0.isEmpty ? nil : $0 } ?? "api",
            host: host.flatMap { $0.isEmpty ? nil : $0 } ?? "unknown",
            agentID: agentID.flatMap { $0.isEmpty ? nil : $0 },
            message: message,
            fields: fields,
            logType: logType
        )
    }
}
