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
        let decoder = JSONDecoder()
        let payloads: [EventPayload]
        switch format {
        case .json:
            guard let first = data.first(where: { !Self.isSpace($0) }) else {
                throw .malformed("the body is empty; send a JSON object, a JSON array or NDJSON")
            }
            switch first {
            case UInt8(ascii: "{"): payloads = [try Self.decode(EventPayload.self, from: data, decoder, position: nil)]
            case UInt8(ascii: "["): payloads = try Self.decode([EventPayload].self, from: data, decoder, position: nil)
            default: throw .malformed("the body must be a JSON object or array of event objects")
            }
        case .ndjson:
            var decoded: [EventPayload] = []
            var lineNumber = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNumber += 1
                guard line.contains(where: { !Self.isSpace($0) }) else { continue }
                decoded.append(
                    try Self.decode(EventPayload.self, from: Data(line), decoder, position: "line \(lineNumber)"))
                if decoded.count > maxEvents { break }
            }
            payloads = decoded
        }
        guard !payloads.isEmpty else { throw .invalid("the body holds no events") }
        guard payloads.count <= maxEvents else {
            throw .invalid("a request may carry at most \(maxEvents) events")
        }
        return payloads.map { $0.event(receivedAt: receivedAt) }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func decode<T: Decodable>(
        _ type: T.Type,
        from data: Data,
        _ decoder: JSONDecoder,
        position: String?
    ) throws(IngestError) -> T {
        do {
            return try decoder.decode(type, from: data)
        } catch let error as IngestError {
            throw Self.prefixed(error, position)
        } catch let error as DecodingError {
            throw Self.prefixed(Self.describe(error), position)
        } catch {
            throw Self.prefixed(.malformed("the body is not valid JSON"), position)
        }
    }

    private static func prefixed(_ error: IngestError, _ position: String?) -> IngestError {
        guard let position else { return error }
        switch error {
        case .malformed(let detail): return .malformed("\(position): \(detail)")
        case .invalid(let detail): return .invalid("\(position): \(detail)")
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "the body" : text
    }

    private static func describe(_ error: DecodingError) -> IngestError {
        switch error {
        case .keyNotFound(let key, let context):
            let owner = path(context.codingPath)
            return .invalid(
                "\(owner == "the body" ? "the event" : owner) is missing the required field `\(key.stringValue)`")
        case .typeMismatch(let type, let context):
            if context.codingPath.isEmpty { return .invalid("the body must be an event object or an array of them") }
            if context.codingPath.count == 1, context.codingPath[0].intValue != nil {
                return .invalid("\(path(context.codingPath)) must be an event object")
            }
            return .invalid("`\(path(context.codingPath))` must be \(describe(type))")
        case .valueNotFound(let type, let context):
            return .invalid("`\(path(context.codingPath))` must be \(describe(type)), not null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return .malformed("the body is not valid JSON") }
            return .invalid("`\(path(context.codingPath))`: \(context.debugDescription)")
        @unknown default:
            return .malformed("the body is not valid JSON")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if type == String.self { return "a string" }
        if name.hasPrefix("Dictionary") { return "an object" }
        if name.hasPrefix("Array") { return "a list" }
        if type == Double.self || type == Int64.self || type == Int.self { return "a number" }
        return "a \(name)"
    }
}

/// One event as a client sends it.
struct EventPayload: Decodable {
    var source: String?
    var host: String?
    var message: String
    var fields: [String: JSONValue]
    var ts: Date?
    var agentID: String?
    var logType: String?

    enum CodingKeys: String, CodingKey {
        case source, host, message, fields, ts
        case agentID = "agent_id"
        case logType = "log_type"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        message = try container.decode(String.self, forKey: .message)
        source = try container.decodeIfPresent(String.self, forKey: .source)
        host = try container.decodeIfPresent(String.self, forKey: .host)
        agentID = try container.decodeIfPresent(String.self, forKey: .agentID)
        logType = try container.decodeIfPresent(String.self, forKey: .logType)
        fields = try container.decodeIfPresent([String: JSONValue].self, forKey: .fields) ?? [:]
        if container.contains(.ts), try !container.decodeNil(forKey: .ts) {
            let where_ = EventDecoder.path(container.codingPath + [CodingKeys.ts])
            if let text = try? container.decode(String.self, forKey: .ts) {
                guard let date = Timestamp.parse(text) else {
                    throw IngestError.invalid(
                        "`\(where_)` must be an RFC 3339 time or a Unix epoch, not \"\(text.prefix(40))\"")
                }
                ts = date
            } else if let number = try? container.decode(Double.self, forKey: .ts) {
                guard let date = Timestamp.fromEpoch(number) else {
                    throw IngestError.invalid("`\(where_)` is not a valid Unix epoch")
                }
                ts = date
            } else {
                throw IngestError.invalid("`\(where_)` must be an RFC 3339 time or a Unix epoch")
            }
        }
    }

    func event(receivedAt: Date) -> Event {
        var logType = logType
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
