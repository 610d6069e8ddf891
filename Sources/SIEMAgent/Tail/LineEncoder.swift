import Foundation
import SIEMCore

/// Turns one line of a followed file into one NDJSON event for `/ingest`: as text (the line is
/// the `message`) or, for a JSON object, as the object's own members with the agent's keys merged
/// in (see `shape`). Every line becomes an event: one that cannot be sent as an object is sent as
/// text.
struct LineEncoder: Sendable {
    var format: LineFormat
    var events: EventEncoder
    var logType: String?

    /// `bytes` is the line without its newline (and without a trailing CR).
    func encode(
        _ bytes: ArraySlice<UInt8>, _ line: TrackedFile.Line, path: String, stream: StreamPosition
    ) -> (line: [UInt8], truncated: Bool) {
        var fields: [(String, FieldValue)] = []
        if let logType { fields.append(("log_type", .string(logType))) }
        fields.append(("path", .string(path)))
        fields.append(("offset", .int(line.offset)))
        if line.partial { fields.append(("partial", .bool(true))) }
        var formatError = false
        // A cut line is no longer the JSON it was: it goes as text, flagged truncated.
        if format != .text, !line.truncated {
            switch Self.object(in: bytes) {
            case .object(let object)?:
                if let encoded = encodeObject(object, fields: fields, stream: stream) { return (encoded, false) }
                formatError = true
            default:
                formatError = format == .json
            }
        }
        if formatError { fields.append(("format_error", .bool(true))) }
        return events.encode(message: bytes, fields: fields, truncated: line.truncated, stream: stream)
    }

    /// The line parsed as JSON when its first non-space byte is `{`, else nil.
    static func object(in bytes: ArraySlice<UInt8>) -> JSONValue? {
        guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x09 }), first == UInt8(ascii: "{") else {
            return nil
        }
        return try? JSONParser.parse(bytes)
    }

    /// The shaped object as one NDJSON line, or nil when siemd would refuse it (a `message` that
    /// is not a string, a `ts` that is not a time, ...) or it is larger than one event may be.
    func encodeObject(
        _ object: [String: JSONValue], fields: [(String, FieldValue)], stream: StreamPosition
    ) -> [UInt8]? {
        let shaped = shape(object, fields: fields, stream: stream)
        let line = Array(JSONValue.object(shaped).jsonText.utf8)
        guard line.count <= events.maxEventBytes else { return nil }
        // siemd's own decoder says whether siemd takes it; a refused line would be dead-lettered.
        guard (try? EventDecoder(maxEvents: 1).decode(Data(line), format: .ndjson, receivedAt: Date())) != nil
        else { return nil }
        return line
    }

    /// The members siemd reads as an event, from a JSON object line:
    /// - `source` is the agent's; the object's own `source` (and `_stream`) move to `fields`.
    /// - `fields`: the object's `fields` object (any other `fields` value goes to `fields.fields`),
    ///   then the agent's (`path`, `offset`, ...), which win.
    /// - `host`: the agent's when the object names none (`host`, `host.name`, `hostname`,
    ///   `Computer`); otherwise the object's stays and the agent's goes to `agent.hostname` (ECS),
    ///   merged into an `agent` object, left out when `agent` is something else.
    /// - Docker json-file records (`log`, `stream` and `time`): one trailing newline of `log` goes.
    func shape(
        _ object: [String: JSONValue], fields: [(String, FieldValue)], stream: StreamPosition
    ) -> [String: JSONValue] {
        var members = object
        var merged: [String: JSONValue] = [:]
        switch members.removeValue(forKey: "fields") {
        case nil, .null?: break
        case .object(let own)?: merged = own
        case let own?: merged["fields"] = own
        }
        for key in ["source", "_stream"] {
            guard let own = members.removeValue(forKey: key), own != .null, merged[key] == nil else { continue }
            merged[key] = own
        }
        for (key, value) in fields { merged[key] = Self.json(value) }
        members["fields"] = .object(merged)
        members["source"] = .string(events.source)
        members["_stream"] = EventEncoder.streamObject(stream)
        if case .string(let log)? = members["log"], members["stream"] != nil, members["time"] != nil {
            members["log"] = .string(Self.droppingNewline(log))
        }
        if let host = events.host {
            Self.addHost(host, to: &members)
        }
        return members
    }

    private static func addHost(_ host: String, to members: inout [String: JSONValue]) {
        func named(_ value: JSONValue?) -> Bool {
            guard case .string(let text)? = value else { return false }
            return !text.isEmpty
        }
        let hostObject = members["host"]?.objectValue
        let namesHost =
            named(members["host"]) || named(hostObject?["name"]) || named(members["host.name"])
            || named(members["hostname"]) || named(members["Computer"])
        if !namesHost {
            if var hostObject {
                hostObject["name"] = .string(host)
                members["host"] = .object(hostObject)
            } else {
                members["host"] = .string(host)
            }
            return
        }
        switch members["agent"] {
        case nil, .null?:
            members["agent"] = .object(["hostname": .string(host)])
        case .object(var agent)?:
            agent["hostname"] = .string(host)
            members["agent"] = .object(agent)
        default:
            break
        }
    }

    /// Without one trailing LF (and a CR before it): bytes, since Swift reads CR LF as one character.
    private static func droppingNewline(_ text: String) -> String {
        var bytes = text.utf8[...]
        guard bytes.last == 0x0A else { return text }
        bytes = bytes.dropLast()
        if bytes.last == 0x0D { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func json(_ value: FieldValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .int(let number): .int(number)
        case .bool(let flag): .bool(flag)
        }
    }
}
