import Foundation
import SIEMCore
import SIEMStore

/// One telemetry item as an agent sends it: `{"type": "edr_process_start", "ts": …, "data": {…}}`.
///
/// It becomes a regular event with `source = "edr"`; the message starts with the type so a full-text
/// search for `edr_listen_socket` finds it, followed by the item's scalar data as `key=value`.
enum TelemetryItem {
    static func event(
        _ members: [String: JSONValue], index: Int, endpoint: Endpoint, receivedAt: Date
    ) throws(InvalidInput) -> Event {
        let type: String
        switch members["type"] {
        case .string(let text)? where !text.isEmpty: type = text
        case nil, .null?, .string?: throw InvalidInput("`type` is required")
        default: throw InvalidInput("`type` must be a string")
        }
        guard type.utf8.count <= 64 else { throw InvalidInput("`type` is longer than 64 bytes") }
        guard type.hasPrefix("edr_"), type.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }) else {
            throw InvalidInput("`events[\(index)].type` must look like edr_process_start (lower case and `_`)")
        }
        var ts = receivedAt
        switch members["ts"] {
        case .string(let text)?:
            guard let date = Timestamp.parse(text) else {
                throw InvalidInput("`events[\(index)].ts` is not a valid time")
            }
            ts = date
        case .int(let number)?:
            guard let date = Timestamp.fromEpoch(Double(number)) else {
                throw InvalidInput("`events[\(index)].ts` is not a valid time")
            }
            ts = date
        case .double(let number)?:
            guard let date = Timestamp.fromEpoch(number) else {
                throw InvalidInput("`events[\(index)].ts` is not a valid time")
            }
            ts = date
        case nil, .null?: break
        default: throw InvalidInput("`events[\(index)].ts` must be an RFC 3339 time or a Unix epoch")
        }
        var fields: [String: JSONValue] = [:]
        switch members["data"] {
        case .object(let data)?: fields = data
        case nil, .null?: break
        default: throw InvalidInput("`events[\(index)].data` must be an object")
        }
        fields["edr_type"] = .string(type)
        var message = type
        if let text = try Self.message(members["message"]), !text.isEmpty {
            message = text.hasPrefix(type) ? text : "\(type) \(text)"
        } else {
            for key in fields.keys.sorted() where key != "edr_type" {
                if let text = fields[key]?.scalarText, !text.isEmpty { message += " \(key)=\(text)" }
            }
        }
        return Event(
            ts: ts, receivedAt: receivedAt, source: "edr", host: endpoint.hostname, agentID: endpoint.agentID,
            message: message, fields: fields)
    }

    private static func message(_ value: JSONValue?) throws(InvalidInput) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            guard text.utf8.count <= 8192 else { throw InvalidInput("`message` is longer than 8192 bytes") }
            return text
        default: throw InvalidInput("`message` must be a string")
        }
    }
}
