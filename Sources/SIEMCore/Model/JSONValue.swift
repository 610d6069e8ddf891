import Foundation

/// A JSON value as sent by a client, kept losslessly so `fields` round-trip unchanged.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue {
    /// The members when this is an object, else nil.
    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The string when this is a string, else nil.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The scalar rendered as text (what rules and search see); nil for null, arrays and objects.
    public var scalarText: String? {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .double(let value):
            value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): value ? "true" : "false"
        case .null, .array, .object: nil
        }
    }

    /// Calls `body` with every scalar text inside this value, depth first.
    public func forEachScalar(_ body: (String) -> Void) {
        switch self {
        case .array(let items): for item in items { item.forEachScalar(body) }
        case .object(let members): for (_, value) in members { value.forEachScalar(body) }
        default: if let text = scalarText { body(text) }
        }
    }

    /// Looks up a dotted path (`a.b.c`) inside nested objects.
    public func value(atPath path: Substring) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        if let direct = members[String(path)] { return direct }
        guard let dot = path.firstIndex(of: ".") else { return nil }
        guard let child = members[String(path[..<dot])] else { return nil }
        return child.value(atPath: path[path.index(after: dot)...])
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Most field values are strings: try the common types first (each miss costs an error).
        if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
