import Foundation

/// Events from shippers that do not speak the event shape: Beats and OTel (ECS documents), Windows
/// event exports (`Get-WinEvent | ConvertTo-Json`), Docker and other JSON logs.
///
/// - Every key that is not an event key (`EventDecoder.eventKeys`) is kept verbatim in `fields`,
///   including the ones read below as the message, time or host (normalizers read them there). An
///   explicit `fields` object wins when it has the same key as the top level.
/// - Message, when `message` is absent: the first non-empty string of `Message`, `msg`, `log`,
///   `event.original` (nested `{"event": {"original": …}}`, then the dotted key) and `@message`;
///   failing those, the whole object as compact JSON text (keys sorted). An object made only of
///   event keys (`{"host": "web1"}`) is still refused for its missing `message`: it is a client of
///   the event shape that forgot the message, not a foreign record.
/// - Time, when `ts` is absent: the first non-null of `@timestamp`, `timestamp` and `TimeCreated`,
///   parsed as `ts` is and as strictly: a value that does not parse is refused, naming its key.
/// - Host, when `host` is absent or empty: `host.name` (nested in an ECS host object, then the
///   dotted key), `hostname`, `Computer`, as non-empty strings. An ECS host object's other members
///   (`ip`, `os`, …) go to `fields.host`.
/// - `source` may be an ECS source object (`{"ip": …}`); it goes to `fields.source`, and the event
///   source stays `api`.
extension EventDecoder {
    /// What `event` has read so far.
    struct Parts {
        var message: String?
        var source: String?
        var sourceObject: [String: JSONValue]?
        var host: String?
        var hostObject: [String: JSONValue]?
        var fields: [String: JSONValue] = [:]
        var ts: Date?
    }

    static let messageKeys = ["Message", "msg", "log"]
    static let timeKeys = ["@timestamp", "timestamp", "TimeCreated"]
    static let hostKeys = ["host.name", "hostname", "Computer"]

    /// Completes `parts` from the keys of `object` that are not event keys and from ECS objects.
    static func adoptForeignKeys(
        _ object: [String: JSONValue], hasForeignKeys: Bool, owner: String?, into parts: inout Parts
    ) throws(IngestError) {
        guard parts.message != nil || hasForeignKeys else {
            throw .invalid("\(owner ?? "the event") is missing the required field `message`")
        }
        var extra: [String: JSONValue] = [:]
        if hasForeignKeys {
            for (key, value) in object where !eventKeys.contains(key) { extra[key] = value }
        }
        if let sourceObject = parts.sourceObject { extra["source"] = .object(sourceObject) }
        if var hostObject = parts.hostObject {
            if parts.host?.isEmpty ?? true, let name = nonEmpty(hostObject["name"]) {
                parts.host = name
                hostObject["name"] = nil
            }
            if !hostObject.isEmpty { extra["host"] = .object(hostObject) }
        }
        if parts.host?.isEmpty ?? true, let host = hostKeys.lazy.compactMap({ nonEmpty(extra[$0]) }).first {
            parts.host = host
        }
        if parts.ts == nil, let key = timeKeys.first(where: { extra[$0].map { $0 != .null } ?? false }) {
            parts.ts = try time(extra[key], key: key, owner: owner)
        }
        if parts.message == nil {
            var original: JSONValue?
            if case .object(let event)? = extra["event"] { original = event["original"] }
            parts.message =
                messageKeys.lazy.compactMap { nonEmpty(extra[$0]) }.first
                ?? nonEmpty(original) ?? nonEmpty(extra["event.original"]) ?? nonEmpty(extra["@message"])
                ?? JSONValue.object(object).jsonText
        }
        guard !extra.isEmpty else { return }
        parts.fields = extra.merging(parts.fields) { _, explicit in explicit }
    }

    private static func nonEmpty(_ value: JSONValue?) -> String? {
        guard case .string(let text)? = value, !text.isEmpty else { return nil }
        return text
    }

    /// `/Date(1732870800000)/` or `/Date(1732870800000+0100)/`: milliseconds since 1970 in UTC
    /// (the offset only says where the time was written), as Windows PowerShell 5.1 renders a time.
    static func dotNetDate(_ text: String) -> Date? {
        guard text.hasPrefix("/Date("), text.hasSuffix(")/") else { return nil }
        let inner = text.dropFirst(6).dropLast(2)
        let digits = inner.prefix { $0.isASCII && $0.isNumber }
        guard let millis = Int64(digits), digits.endIndex == inner.endIndex || "+-".contains(inner[digits.endIndex])
        else { return nil }
        let seconds = Double(millis) / 1000
        guard seconds < 32_503_680_000 else { return nil }
        return Timestamp.fromEpoch(seconds)
    }
}
