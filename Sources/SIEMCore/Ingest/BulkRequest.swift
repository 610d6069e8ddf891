import Foundation

/// An Elasticsearch `_bulk` body, as Beats, Logstash, Fluent Bit, Vector and rsyslog's
/// omelasticsearch send it: NDJSON of action lines, `index` and `create` each followed by the
/// document to store.
///
/// - A document becomes an event as `EventDecoder` reads any JSON object (ECS keys, `@timestamp`,
///   `host.name`, unknown keys into `fields`); its index (the action's `_index`, else the URL's)
///   becomes the event's `source`.
/// - Items fail one by one, as Elasticsearch's do: a document that is not a JSON object or that the
///   event decoder refuses is a failed item and the others are still stored; `delete` and `update`
///   are failed items too (events are never changed).
/// - A body that cannot be read as bulk actions (an action line that is not one action object, an
///   unknown action, an action whose document line is missing, no action at all) fails whole.
public struct BulkRequest: Sendable {
    public enum Action: String, Sendable {
        case index, create, update, delete
    }

    public struct Item: Sendable {
        public var action: Action
        /// The index the item names (its `_index`, else the URL's); nil when neither names one.
        public var index: String?
        /// The `_id` the client gave, as text.
        public var id: String?
        public var outcome: Outcome
    }

    public enum Outcome: Sendable {
        /// The event to store.
        case event(Event)
        /// Why the item was refused, as Elasticsearch's error `type` and `reason` (status 400).
        case failure(type: String, reason: String)
    }

    public var items: [Item]

    /// The events of the items that are stored, in request order.
    public var events: [Event] {
        items.compactMap { item in
            if case .event(let event) = item.outcome { return event }
            return nil
        }
    }

    /// Reads `data`; `defaultIndex` is the index of the URL (`/{index}/_bulk`), and a body with more
    /// than `maxItems` actions is refused.
    public init(decoding data: Data, defaultIndex: String?, maxItems: Int, receivedAt: Date) throws(BulkError) {
        let result = data.withUnsafeBytes { raw -> Result<[Item], BulkError> in
            Result { () throws(BulkError) in
                var reader = LineReader(bytes: raw.bindMemory(to: UInt8.self))
                return try Self.items(&reader, defaultIndex: defaultIndex, maxItems: maxItems, receivedAt: receivedAt)
            }
        }
        items = try result.get()
    }

    private static func items(
        _ lines: inout LineReader, defaultIndex: String?, maxItems: Int, receivedAt: Date
    ) throws(BulkError) -> [Item] {
        var items: [Item] = []
        while let (number, line) = lines.next() {
            guard line.contains(where: { !LineReader.isSpace($0) }) else { continue }
            let (action, metadata) = try actionLine(line, number: number)
            guard items.count < maxItems else { throw .tooManyItems(limit: maxItems) }
            let index = metadata.index ?? defaultIndex.flatMap { $0.isEmpty ? nil : $0 }
            var item = Item(action: action, index: index, id: metadata.id, outcome: unsupported(action))
            if action != .delete {
                guard let (documentNumber, document) = lines.next() else {
                    throw .malformed(
                        type: "illegal_argument_exception",
                        reason:
                            "the action [\(action.rawValue)] on line [\(number)] is not followed by its document line")
                }
                if action == .index || action == .create {
                    if let index {
                        item.outcome = outcome(document, index: index, line: documentNumber, receivedAt: receivedAt)
                    } else {
                        item.outcome = .failure(
                            type: "action_request_validation_exception",
                            reason: "Validation Failed: 1: index is missing;")
                    }
                }
            }
            items.append(item)
        }
        guard !items.isEmpty else {
            throw .malformed(
                type: "action_request_validation_exception", reason: "Validation Failed: 1: no requests added;")
        }
        return items
    }

    private static func unsupported(_ action: Action) -> Outcome {
        .failure(
            type: "illegal_argument_exception",
            reason: "the bulk action [\(action.rawValue)] is not supported: swift-siem stores events and never changes "
                + "them; send [index] or [create]")
    }

    /// The action and its metadata; `_index` and `_id` are read, other metadata (`_type`,
    /// `pipeline`, `routing`, …) is ignored.
    private static func actionLine(
        _ line: UnsafeBufferPointer<UInt8>, number: Int
    ) throws(BulkError) -> (Action, (index: String?, id: String?)) {
        func malformed(_ text: String) -> BulkError {
            .malformed(
                type: "illegal_argument_exception", reason: "Malformed action/metadata line [\(number)], \(text)")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            throw malformed("expected a JSON object: \(error.reason) at byte \(error.offset)")
        }
        guard case .object(let members) = value, members.count == 1, let (name, body) = members.first else {
            throw malformed("expected an object with one field, [create], [delete], [index] or [update]")
        }
        guard let action = Action(rawValue: name) else {
            throw malformed("expected field [create], [delete], [index] or [update] but found [\(name.prefix(64))]")
        }
        guard case .object(let metadata) = body else { throw malformed("expected an object as the value of [\(name)]") }
        var index: String?
        switch metadata["_index"] {
        case nil, .null?: break
        case .string(let text)?: index = text.isEmpty ? nil : text
        default: throw malformed("[_index] must be a string")
        }
        var id: String?
        switch metadata["_id"] {
        case nil, .null?: break
        case .string(let text)?: id = text
        case .int(let number)?: id = String(number)
        default: throw malformed("[_id] must be a string")
        }
        return (action, (index, id))
    }

    /// The event of one document line, or why it is refused.
    private static func outcome(
        _ line: UnsafeBufferPointer<UInt8>, index: String, line number: Int, receivedAt: Date
    ) -> Outcome {
        func failure(_ column: Int, _ text: String) -> Outcome {
            .failure(type: "document_parsing_exception", reason: "[\(number):\(column)] failed to parse: \(text)")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            return failure(error.offset + 1, "\(error.reason)")
        }
        guard case .object(var object) = value else { return failure(1, "the document must be a JSON object") }
        // Exactly-once positions belong to siemd's own ingest; here `_stream` is only a field.
        let stream = object.removeValue(forKey: "_stream")
        let sentSource = object["source"]?.stringValue
        var event: Event
        do {
            event = try EventDecoder.event(object, owner: nil, receivedAt: receivedAt)
        } catch {
            return failure(1, error.detail)
        }
        event.source = index
        // A `source` text the document carried is kept, since the index takes its place.
        if let sentSource, !sentSource.isEmpty, event.fields["source"] == nil {
            event.fields["source"] = .string(sentSource)
        }
        if let stream, event.fields["_stream"] == nil { event.fields["_stream"] = stream }
        return .event(event)
    }
}

/// Why a whole `_bulk` body was refused; nothing of it is stored.
public enum BulkError: Error, Sendable, Equatable {
    /// Elasticsearch's error `type` and `reason` (HTTP 400).
    case malformed(type: String, reason: String)
    /// More actions than one request may carry (HTTP 413, so shippers split the batch).
    case tooManyItems(limit: Int)
}

/// The lines of a body, numbered from 1, without their `\n` (or `\r\n`).
struct LineReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var start = 0
    var number = 0

    mutating func next() -> (Int, UnsafeBufferPointer<UInt8>)? {
        guard start < bytes.count else { return nil }
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        var stop = end
        if stop > start, bytes[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
        let line = UnsafeBufferPointer(rebasing: bytes[start..<stop])
        start = end + 1
        number += 1
        return (number, line)
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
