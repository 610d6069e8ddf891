import Foundation
import SIEMCore

/// Maps the records of an export request to events, one per `LogRecord`.
///
/// - `message`: a string body as it is; any other body as its compact JSON text, the structured
///   body also kept in `fields["body"]`.
/// - `ts`: `time_unix_nano`, else `observed_time_unix_nano`, else the receive time.
/// - `host`: the resource's `host.name`, else "unknown"; `source`: its `service.name`, else "otlp".
/// - `fields`: resource then record attributes under their dotted names (the record's win), and
///   the record's own `severity_text`, `severity_number`, `trace_id`, `span_id` (lowercase hex),
///   `event_name`, `otel.scope.name` and `otel.scope.version` when set.
/// - `logType`: the `log_type` attribute when it is a string.
struct LogRecordMapper {
    let receivedAt: Date

    static let defaultHost = "unknown"
    static let defaultSource = "otlp"

    func events(_ request: Proto.ExportRequest, maxEvents: Int) throws(OTLPDecodeError) -> [Event] {
        let count = request.resourceLogs.reduce(0) { total, resource in
            resource.scopeLogs.reduce(total) { $0 + $1.logRecords.count }
        }
        guard count <= maxEvents else { throw .tooManyRecords(limit: maxEvents) }
        var events: [Event] = []
        events.reserveCapacity(count)
        for resourceLogs in request.resourceLogs {
            let resource = Self.attributes(resourceLogs.resource.attributes)
            let host = resource["host.name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultHost
            let source =
                resource["service.name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultSource
            for scopeLogs in resourceLogs.scopeLogs {
                var shared = resource
                if scopeLogs.hasScope {
                    if !scopeLogs.scope.name.isEmpty { shared["otel.scope.name"] = .string(scopeLogs.scope.name) }
                    if !scopeLogs.scope.version.isEmpty {
                        shared["otel.scope.version"] = .string(scopeLogs.scope.version)
                    }
                }
                for record in scopeLogs.logRecords {
                    events.append(event(record, shared: shared, host: host, source: source))
                }
            }
        }
        return events
    }

    private func event(_ record: Proto.LogRecord, shared: [String: JSONValue], host: String, source: String)
        -> Event
    {
        var fields = shared
        for attribute in record.attributes { fields[attribute.key] = attribute.value.jsonValue }
        let message: String
        switch record.hasBody ? record.body.value : nil {
        case nil: message = ""
        case .stringValue(let text)?: message = text
        case _?:
            let body = record.body.jsonValue
            fields["body"] = body
            message = body.jsonText
        }
        if !record.severityText.isEmpty { fields["severity_text"] = .string(record.severityText) }
        if record.severityNumber.rawValue != 0 {
            fields["severity_number"] = .int(Int64(record.severityNumber.rawValue))
        }
        if !record.traceID.isEmpty { fields["trace_id"] = .string(record.traceID.lowercaseHex) }
        if !record.spanID.isEmpty { fields["span_id"] = .string(record.spanID.lowercaseHex) }
        if !record.eventName.isEmpty { fields["event_name"] = .string(record.eventName) }
        let nanoseconds = record.timeUnixNano != 0 ? record.timeUnixNano : record.observedTimeUnixNano
        return Event(
            ts: nanoseconds != 0 ? Self.date(unixNanoseconds: nanoseconds) : receivedAt,
            receivedAt: receivedAt,
            source: source,
            host: host,
            message: message,
            fields: fields,
            logType: fields["log_type"]?.stringValue
        )
    }

    static func attributes(_ list: [Proto.KeyValue]) -> [String: JSONValue] {
        var attributes: [String: JSONValue] = [:]
        for attribute in list { attributes[attribute.key] = attribute.value.jsonValue }
        return attributes
    }

    /// Splits whole seconds from the rest so microseconds survive the conversion to `Double`.
    static func date(unixNanoseconds: UInt64) -> Date {
        let seconds = unixNanoseconds / 1_000_000_000
        let rest = unixNanoseconds % 1_000_000_000
        return Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(rest) / 1e9)
    }
}

extension Proto.AnyValue {
    /// The value as JSON: kvlists become objects, bytes base64 text, an empty value null, and the
    /// doubles JSON cannot carry (NaN, ±infinity) the strings proto3's JSON mapping writes for them.
    var jsonValue: JSONValue {
        switch value {
        case nil: .null
        case .stringValue(let text)?: .string(text)
        case .boolValue(let flag)?: .bool(flag)
        case .intValue(let number)?: .int(number)
        case .doubleValue(let number)?:
            number.isFinite ? .double(number) : .string(number.isNaN ? "NaN" : number < 0 ? "-Infinity" : "Infinity")
        case .arrayValue(let array)?: .array(array.values.map(\.jsonValue))
        case .kvlistValue(let list)?: .object(LogRecordMapper.attributes(list.values))
        case .bytesValue(let bytes)?: .string(bytes.base64EncodedString())
        }
    }
}

extension Data {
    var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(count * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
