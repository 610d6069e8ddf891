import Foundation

/// A body for Splunk's HTTP Event Collector, read all-or-nothing as Splunk does: the first broken
/// event fails the whole body, naming its number (counted from 0).
///
/// - `/services/collector/event`: JSON objects one after another, with or without whitespace
///   between them (`{…}{…}`). Each has `event`, a text (the message) or an object (read as
///   `EventDecoder` reads any JSON event, so its keys go to `fields`), and optional metadata: `time`
///   (epoch seconds, a number or numeric text, fractions allowed), `host`, `source` (the event's
///   source; `hec` when absent), `sourcetype` and `index` (kept as `fields.sourcetype` and
///   `fields.index`) and `fields` (an object merged into `fields`).
/// - `/services/collector/raw`: one event per line, blank lines skipped; the metadata comes from
///   the query string.
public enum HECRequest {
    /// Metadata for events that do not carry their own: the query string's `host`, `source`,
    /// `sourcetype` and `index`.
    public struct Metadata: Sendable, Equatable {
        public var host: String?
        public var source: String?
        public var sourcetype: String?
        public var index: String?

        public init(host: String? = nil, source: String? = nil, sourcetype: String? = nil, index: String? = nil) {
            self.host = host
            self.source = source
            self.sourcetype = sourcetype
            self.index = index
        }
    }

    /// The source of events that name none.
    public static let defaultSource = "hec"

    /// The events of an `/event` body.
    public static func events(
        _ data: Data, defaults: Metadata = Metadata(), maxEvents: Int, receivedAt: Date
    ) throws(HECError) -> [Event] {
        let (values, syntaxError) = data.withUnsafeBytes { raw in
            JSONParser.parseSequence(raw.bindMemory(to: UInt8.self))
        }
        guard values.count <= maxEvents else { throw .tooManyEvents(limit: maxEvents) }
        var events: [Event] = []
        events.reserveCapacity(values.count)
        for (number, value) in values.enumerated() {
            events.append(try event(value, number: number, defaults: defaults, receivedAt: receivedAt))
        }
        if let syntaxError {
            throw .invalidDataFormat(
                event: values.count, reason: "not valid JSON: \(syntaxError.reason) at byte \(syntaxError.offset)")
        }
        guard !events.isEmpty else { throw .noData }
        return events
    }

    /// The events of a `/raw` body: one per non-blank line.
    public static func raw(
        _ data: Data, defaults: Metadata = Metadata(), maxEvents: Int, receivedAt: Date
    ) throws(HECError) -> [Event] {
        let messages = data.withUnsafeBytes { raw in
            var lines = LineReader(bytes: raw.bindMemory(to: UInt8.self))
            var messages: [String] = []
            while messages.count <= maxEvents, let (_, line) = lines.next() {
                guard line.contains(where: { !LineReader.isSpace($0) }) else { continue }
                messages.append(String(decoding: line, as: UTF8.self))
            }
            return messages
        }
        guard messages.count <= maxEvents else { throw .tooManyEvents(limit: maxEvents) }
        let events = messages.map { message in
            var event = Event(
                ts: receivedAt, receivedAt: receivedAt, source: defaults.source ?? defaultSource,
                host: defaults.host ?? "unknown", message: message)
            if let sourcetype = defaults.sourcetype { event.fields["sourcetype"] = .string(sourcetype) }
            if let index = defaults.index { event.fields["index"] = .string(index) }
            return event
        }
        guard !events.isEmpty else { throw .noData }
        return events
    }

    /// One event object of an `/event` body.
    static func event(_ value: JSONValue, number: Int, defaults: Metadata, receivedAt: Date) throws(HECError) -> Event {
        guard case .object(let object) = value else {
            throw .invalidDataFormat(event: number, reason: "each event must be a JSON object")
        }
        func text(_ key: String) throws(HECError) -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let value)?: return value.isEmpty ? nil : value
            default: throw .invalidDataFormat(event: number, reason: "`\(key)` must be a string")
            }
        }
        var event: Event
        switch object["event"] {
        case nil, .null?:
            throw .eventRequired(event: number)
        case .string(let message)?:
            guard message.contains(where: { !$0.isWhitespace }) else { throw .eventBlank(event: number) }
            event = Event(
                ts: receivedAt, receivedAt: receivedAt, source: defaultSource, host: "unknown", message: message)
        case .object(var members)?:
            guard !members.isEmpty else { throw .eventBlank(event: number) }
            // Exactly-once positions belong to siemd's own ingest; here `_stream` is only a field.
            let stream = members.removeValue(forKey: "_stream")
            let sentSource = members["source"]?.stringValue
            do {
                event = try EventDecoder.event(members, owner: "event", receivedAt: receivedAt)
            } catch {
                throw .invalidDataFormat(event: number, reason: error.detail)
            }
            if let sentSource, !sentSource.isEmpty, event.fields["source"] == nil {
                event.fields["source"] = .string(sentSource)
            }
            if let stream, event.fields["_stream"] == nil { event.fields["_stream"] = stream }
        case let other?:
            // A number, a boolean or an array is indexed as its JSON text, as Splunk does.
            event = Event(
                ts: receivedAt, receivedAt: receivedAt, source: defaultSource, host: "unknown",
                message: other.jsonText)
        }
        if let time = try self.time(object["time"], number: number) { event.ts = time }
        if let host = try text("host") ?? (event.host == "unknown" ? defaults.host : nil) { event.host = host }
        event.source = try text("source") ?? defaults.source ?? defaultSource
        if let sourcetype = try text("sourcetype") ?? defaults.sourcetype {
            event.fields["sourcetype"] = .string(sourcetype)
        }
        if let index = try text("index") ?? defaults.index { event.fields["index"] = .string(index) }
        switch object["fields"] {
        case nil, .null?: break
        case .object(let fields)?: event.fields.merge(fields) { _, indexed in indexed }
        default: throw .invalidFields(event: number)
        }
        return event
    }

    /// `time`: seconds since 1970 as a number or numeric text.
    static func time(_ value: JSONValue?, number: Int) throws(HECError) -> Date? {
        let seconds: Double?
        switch value {
        case nil, .null?: return nil
        case .int(let value)?: seconds = Double(value)
        case .double(let value)?: seconds = value
        case .string(let text)?: seconds = Double(text.trimmingCharacters(in: .whitespaces))
        default: seconds = nil
        }
        guard let seconds, let date = Timestamp.fromEpoch(seconds) else {
            throw .invalidDataFormat(event: number, reason: "`time` must be seconds since 1970")
        }
        return date
    }
}

/// Why an HTTP Event Collector body was refused, with Splunk's numeric codes; nothing is stored.
public enum HECError: Error, Sendable, Equatable {
    /// 5: the body holds no event.
    case noData
    /// 6: an event is not a JSON object, or not valid JSON, or a value in it is not valid.
    case invalidDataFormat(event: Int, reason: String)
    /// 12: an event has no `event`.
    case eventRequired(event: Int)
    /// 13: an event's `event` is empty.
    case eventBlank(event: Int)
    /// 15: an event's `fields` is not an object.
    case invalidFields(event: Int)
    /// More events than one request may carry.
    case tooManyEvents(limit: Int)

    /// Splunk's code.
    public var code: Int {
        switch self {
        case .noData: 5
        case .invalidDataFormat, .tooManyEvents: 6
        case .eventRequired: 12
        case .eventBlank: 13
        case .invalidFields: 15
        }
    }

    /// Splunk's text for the code.
    public var text: String {
        switch self {
        case .noData: "No data"
        case .invalidDataFormat: "Invalid data format"
        case .eventRequired: "Event field is required"
        case .eventBlank: "Event field cannot be blank"
        case .invalidFields: "Error in handling indexed fields"
        case .tooManyEvents(let limit): "Too many events: a request may carry at most \(limit)"
        }
    }

    /// The number of the refused event, counted from 0.
    public var invalidEventNumber: Int? {
        switch self {
        case .invalidDataFormat(let event, _), .eventRequired(let event), .eventBlank(let event),
            .invalidFields(let event):
            event
        case .noData, .tooManyEvents: nil
        }
    }
}
