import Foundation
import SIEMCore

/// Reads the OTLP/JSON encoding of an `ExportLogsServiceRequest` into the generated message, so
/// both encodings share one mapping to events.
///
/// swift-protobuf's own JSON decoding cannot be used: OTLP/JSON writes trace and span ids as hex,
/// not base64. Keys are lowerCamelCase, with the proto (snake_case) names accepted too; a null is
/// an unset field; unknown keys are ignored. Errors name the path of the bad value.
struct JSONRequestReader {
    private let maxRecords: Int
    private var records = 0

    static func request(_ body: Data, maxRecords: Int) throws(OTLPDecodeError) -> Proto.ExportRequest {
        guard body.contains(where: { !Self.isSpace($0) }) else {
            throw .malformed("the body is empty; send an OTLP/JSON ExportLogsServiceRequest object")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            throw .malformed("the body is not valid JSON: \(error.reason) at byte \(error.offset)")
        }
        guard case .object(let object) = value else {
            throw .invalid("the body must be a JSON object (an OTLP ExportLogsServiceRequest)")
        }
        var reader = JSONRequestReader(maxRecords: maxRecords)
        return try reader.request(object)
    }

    private init(maxRecords: Int) {
        self.maxRecords = maxRecords
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    // MARK: Messages

    private mutating func request(_ object: [String: JSONValue]) throws(OTLPDecodeError) -> Proto.ExportRequest {
        var request = Proto.ExportRequest()
        for (index, item) in try array(object, "resourceLogs", "resource_logs", path: "").enumerated() {
            request.resourceLogs.append(try resourceLogs(item, path: "resourceLogs[\(index)]"))
        }
        return request
    }

    private mutating func resourceLogs(_ value: JSONValue, path: String) throws(OTLPDecodeError) -> Proto.ResourceLogs {
        let object = try Self.object(value, path: path)
        var resourceLogs = Proto.ResourceLogs()
        if let resource = Self.member(object, "resource") {
            let resourcePath = path + ".resource"
            let resourceObject = try Self.object(resource, path: resourcePath)
            resourceLogs.resource.attributes = try Self.attributes(resourceObject, path: resourcePath)
        }
        for (index, item) in try array(object, "scopeLogs", "scope_logs", path: path).enumerated() {
            resourceLogs.scopeLogs.append(try scopeLogs(item, path: "\(path).scopeLogs[\(index)]"))
        }
        return resourceLogs
    }

    private mutating func scopeLogs(_ value: JSONValue, path: String) throws(OTLPDecodeError) -> Proto.ScopeLogs {
        let object = try Self.object(value, path: path)
        var scopeLogs = Proto.ScopeLogs()
        if let scope = Self.member(object, "scope") {
            let scopePath = path + ".scope"
            let scopeObject = try Self.object(scope, path: scopePath)
            scopeLogs.scope.name = try Self.string(scopeObject, "name", path: scopePath)
            scopeLogs.scope.version = try Self.string(scopeObject, "version", path: scopePath)
            scopeLogs.scope.attributes = try Self.attributes(scopeObject, path: scopePath)
        }
        let items = try array(object, "logRecords", "log_records", path: path)
        records += items.count
        guard records <= maxRecords else { throw .tooManyRecords(limit: maxRecords) }
        for (index, item) in items.enumerated() {
            scopeLogs.logRecords.append(try Self.logRecord(item, path: "\(path).logRecords[\(index)]"))
        }
        return scopeLogs
    }

    private static func logRecord(_ value: JSONValue, path: String) throws(OTLPDecodeError) -> Proto.LogRecord {
        let object = try object(value, path: path)
        var record = Proto.LogRecord()
        record.timeUnixNano = try unsigned(object, "timeUnixNano", "time_unix_nano", path: path)
        record.observedTimeUnixNano = try unsigned(
            object, "observedTimeUnixNano", "observed_time_unix_nano", path: path)
        record.severityNumber = try severity(object, path: path)
        record.severityText = try string(object, "severityText", "severity_text", path: path)
        if let body = member(object, "body") { record.body = try anyValue(body, path: path + ".body") }
        record.attributes = try attributes(object, path: path)
        record.traceID = try id(object, "traceId", "trace_id", bytes: 16, path: path)
        record.spanID = try id(object, "spanId", "span_id", bytes: 8, path: path)
        record.eventName = try string(object, "eventName", "event_name", path: path)
        return record
    }

    private static func attributes(_ object: [String: JSONValue], path: String) throws(OTLPDecodeError)
        -> [Proto.KeyValue]
    {
        try keyValues(member(object, "attributes"), path: path + ".attributes")
    }

    private static func keyValues(_ value: JSONValue?, path: String) throws(OTLPDecodeError) -> [Proto.KeyValue] {
        guard let value else { return [] }
        guard case .array(let items) = value else { throw .invalid("`\(path)` must be an array of key-value objects") }
        var list: [Proto.KeyValue] = []
        list.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            let object = try object(item, path: itemPath)
            var keyValue = Proto.KeyValue()
            keyValue.key = try string(object, "key", path: itemPath)
            if let value = member(object, "value") { keyValue.value = try anyValue(value, path: itemPath + ".value") }
            list.append(keyValue)
        }
        return list
    }

    /// An `AnyValue` object: `{"stringValue": …}`, `{"intValue": "3"}`, `{"kvlistValue": {"values": […]}}`, …
    private static func anyValue(_ value: JSONValue, path: String) throws(OTLPDecodeError) -> Proto.AnyValue {
        let object = try object(value, path: path)
        var any = Proto.AnyValue()
        if let text = member(object, "stringValue", "string_value") {
            guard case .string(let text) = text else { throw .invalid("`\(path).stringValue` must be a string") }
            any.stringValue = text
        } else if let flag = member(object, "boolValue", "bool_value") {
            guard case .bool(let flag) = flag else { throw .invalid("`\(path).boolValue` must be true or false") }
            any.boolValue = flag
        } else if let number = member(object, "intValue", "int_value") {
            any.intValue = try signed(number, path: path + ".intValue")
        } else if let number = member(object, "doubleValue", "double_value") {
            any.doubleValue = try double(number, path: path + ".doubleValue")
        } else if let array = member(object, "arrayValue", "array_value") {
            let arrayPath = path + ".arrayValue"
            let arrayObject = try Self.object(array, path: arrayPath)
            var values = Proto.ArrayValue()
            if let items = member(arrayObject, "values") {
                guard case .array(let items) = items else { throw .invalid("`\(arrayPath).values` must be an array") }
                for (index, item) in items.enumerated() {
                    values.values.append(try anyValue(item, path: "\(arrayPath).values[\(index)]"))
                }
            }
            any.arrayValue = values
        } else if let list = member(object, "kvlistValue", "kvlist_value") {
            let listPath = path + ".kvlistValue"
            var values = Proto.KeyValueList()
            values.values = try keyValues(
                member(try Self.object(list, path: listPath), "values"), path: listPath + ".values")
            any.kvlistValue = values
        } else if let bytes = member(object, "bytesValue", "bytes_value") {
            guard case .string(let text) = bytes, let data = base64(text) else {
                throw .invalid("`\(path).bytesValue` must be base64 text")
            }
            any.bytesValue = data
        }
        return any
    }

    // MARK: Values

    /// The value at `camel` (or the proto name `snake`); a JSON null is an unset field.
    private static func member(_ object: [String: JSONValue], _ camel: String, _ snake: String? = nil) -> JSONValue? {
        switch object[camel] ?? snake.flatMap({ object[$0] }) {
        case nil, .null?: nil
        case let value?: value
        }
    }

    private static func name(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private static func object(_ value: JSONValue, path: String) throws(OTLPDecodeError) -> [String: JSONValue] {
        guard case .object(let object) = value else { throw .invalid("`\(path)` must be an object") }
        return object
    }

    private func array(_ object: [String: JSONValue], _ camel: String, _ snake: String, path: String)
        throws(OTLPDecodeError) -> [JSONValue]
    {
        switch Self.member(object, camel, snake) {
        case nil: return []
        case .array(let items)?: return items
        default: throw .invalid("`\(Self.name(path, camel))` must be an array")
        }
    }

    private static func string(_ object: [String: JSONValue], _ camel: String, _ snake: String? = nil, path: String)
        throws(OTLPDecodeError) -> String
    {
        switch member(object, camel, snake) {
        case nil: return ""
        case .string(let text)?: return text
        default: throw .invalid("`\(name(path, camel))` must be a string")
        }
    }

    /// A `fixed64` time: a JSON number or, as proto3's JSON mapping writes 64-bit integers, decimal text.
    private static func unsigned(_ object: [String: JSONValue], _ camel: String, _ snake: String, path: String)
        throws(OTLPDecodeError) -> UInt64
    {
        let value = member(object, camel, snake)
        switch value {
        case nil: return 0
        case .int(let number)? where number >= 0: return UInt64(number)
        case .double(let number)? where number >= 0 && number < 0x1p64 && number.rounded() == number:
            return UInt64(number)
        case .string(let text)?:
            if let number = UInt64(text) { return number }
        default: break
        }
        throw .invalid(
            "`\(name(path, camel))` must be an unsigned integer of nanoseconds (a number or a decimal string), not \(describe(value))"
        )
    }

    private static func signed(_ value: JSONValue, path: String) throws(OTLPDecodeError) -> Int64 {
        switch value {
        case .int(let number): return number
        case .double(let number) where number >= -0x1p63 && number < 0x1p63 && number.rounded() == number:
            return Int64(number)
        case .string(let text): if let number = Int64(text) { return number }
        default: break
        }
        throw .invalid("`\(path)` must be a 64-bit integer (a number or a decimal string), not \(describe(value))")
    }

    private static func double(_ value: JSONValue, path: String) throws(OTLPDecodeError) -> Double {
        switch value {
        case .int(let number): return Double(number)
        case .double(let number): return number
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        case .string(let text): if let number = Double(text), number.isFinite { return number }
        default: break
        }
        throw .invalid("`\(path)` must be a number, not \(describe(value))")
    }

    /// The severity as its number or its name (`SEVERITY_NUMBER_INFO`).
    private static func severity(_ object: [String: JSONValue], path: String) throws(OTLPDecodeError)
        -> Proto.SeverityNumber
    {
        let value = member(object, "severityNumber", "severity_number")
        switch value {
        case nil: return .unspecified
        case .int(let number)? where Int32(exactly: number) != nil:
            return Proto.SeverityNumber(rawValue: Int(number)) ?? .UNRECOGNIZED(Int(number))
        case .string(let name)?:
            if let number = severityNumbers[name] ?? Int(name) {
                return Proto.SeverityNumber(rawValue: number) ?? .UNRECOGNIZED(number)
            }
        default: break
        }
        throw .invalid(
            "`\(name(path, "severityNumber"))` must be a severity number or name (SEVERITY_NUMBER_INFO), not \(describe(value))"
        )
    }

    /// `SEVERITY_NUMBER_TRACE` = 1 … `SEVERITY_NUMBER_FATAL4` = 24.
    private static let severityNumbers: [String: Int] = {
        var numbers = ["SEVERITY_NUMBER_UNSPECIFIED": 0]
        for (level, name) in ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"].enumerated() {
            for step in 0..<4 {
                numbers["SEVERITY_NUMBER_\(name)\(step == 0 ? "" : String(step + 1))"] = level * 4 + step + 1
            }
        }
        return numbers
    }()

    /// A trace or span id: hex text as OTLP/JSON writes it; base64 of the right length (what a
    /// generic proto3 JSON encoder writes) is accepted too.
    private static func id(_ object: [String: JSONValue], _ camel: String, _ snake: String, bytes: Int, path: String)
        throws(OTLPDecodeError) -> Data
    {
        switch member(object, camel, snake) {
        case nil: return Data()
        case .string(let text)?:
            if let data = hex(text) ?? base64(text).flatMap({ $0.count == bytes ? $0 : nil }) { return data }
            throw .invalid("`\(name(path, camel))` must be a hex string of \(bytes) bytes, not \"\(text.prefix(64))\"")
        default:
            throw .invalid("`\(name(path, camel))` must be a hex string")
        }
    }

    private static func hex(_ text: String) -> Data? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func nibble(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var data = Data(capacity: digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            data.append(high << 4 | low)
            index += 2
        }
        return data
    }

    /// Standard or URL-safe base64, padded or not, as proto3's JSON mapping accepts.
    private static func base64(_ text: String) -> Data? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        if standard.count % 4 != 0 { standard += String(repeating: "=", count: 4 - standard.count % 4) }
        return Data(base64Encoded: standard)
    }

    private static func describe(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: "null"
        case .string(let text)?: "\"\(text.prefix(40))\""
        case .array?: "an array"
        case .object?: "an object"
        case let value?: value.jsonText
        }
    }
}
