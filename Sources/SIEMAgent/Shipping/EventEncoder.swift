import SIEMCore

/// A value in an event's `fields` object.
enum FieldValue: Sendable {
    case string(String)
    case int(Int64)
    case bool(Bool)
}

/// Encodes events as single NDJSON lines, byte by byte, without a JSON encoder in the hot path.
struct EventEncoder: Sendable {
    var source: String
    var host: String?
    /// The largest encoded event (one NDJSON line) the server should receive; longer messages are cut.
    var maxEventBytes: Int

    /// One event as one JSON object without the trailing newline. `truncated` marks a message cut
    /// by the caller (`fields.truncated: true`); the result's `truncated` is also true when the
    /// message had to be cut here to fit `maxEventBytes`. `stream` is sent as `_stream` (its
    /// `scope` is the server's business and is not sent).
    func encode(
        message: some Collection<UInt8>, fields: [(String, FieldValue)], truncated: Bool = false,
        stream: StreamPosition? = nil
    ) -> (line: [UInt8], truncated: Bool) {
        var text = String(decoding: message, as: UTF8.self)
        var line = encodeLine(text, fields: fields, truncated: truncated, stream: stream)
        guard line.count > maxEventBytes else { return (line, truncated) }
        // Escaping can grow a message up to six times; cut by the measured ratio until it fits.
        while line.count > maxEventBytes, !text.isEmpty {
            let ratio = Double(maxEventBytes - 512) / Double(line.count)
            let keep = max(0, Int(Double(text.utf8.count) * ratio) - 16)
            text = String(decoding: text.utf8.prefix(keep), as: UTF8.self)
            if text.utf8.count > keep { text = String(text.dropLast()) }
            line = encodeLine(text, fields: fields, truncated: true, stream: stream)
        }
        return (line, true)
    }

    private func encodeLine(
        _ message: String, fields: [(String, FieldValue)], truncated: Bool, stream: StreamPosition?
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.utf8.count + 160)
        out.append(contentsOf: #"{"source":"#.utf8)
        Self.appendString(source, to: &out)
        if let host {
            out.append(contentsOf: #","host":"#.utf8)
            Self.appendString(host, to: &out)
        }
        out.append(contentsOf: #","message":"#.utf8)
        Self.appendString(message, to: &out)
        out.append(contentsOf: #","fields":{"#.utf8)
        var first = true
        for (key, value) in fields {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            Self.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            Self.append(value, to: &out)
        }
        if truncated {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #""truncated":true"#.utf8)
        }
        out.append(UInt8(ascii: "}"))
        if let stream {
            out.append(contentsOf: #","_stream":{"id":"#.utf8)
            Self.appendString(stream.id, to: &out)
            out.append(contentsOf: #","start":\#(stream.start),"end":\#(stream.end)}"#.utf8)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `_stream` as the JSON object siemd reads.
    static func streamObject(_ stream: StreamPosition) -> JSONValue {
        .object(["id": .string(stream.id), "start": .int(stream.start), "end": .int(stream.end)])
    }

    static func append(_ value: FieldValue, to out: inout [UInt8]) {
        switch value {
        case .string(let text): appendString(text, to: &out)
        case .int(let number): out.append(contentsOf: String(number).utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        }
    }

    /// Appends `text` as a JSON string literal (valid UTF-8 in, valid JSON out).
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: Array(#"\u00"#.utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
