import Foundation
import Testing

@testable import SIEMCore

@Suite struct BulkRequestTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func decode(_ lines: [String], index: String? = nil, maxItems: Int = 100) throws(BulkError) -> BulkRequest {
        try BulkRequest(
            decoding: Data((lines.joined(separator: "\n") + "\n").utf8), defaultIndex: index, maxItems: maxItems,
            receivedAt: now)
    }

    func failure(_ item: BulkRequest.Item) -> (type: String, reason: String)? {
        if case .failure(let type, let reason) = item.outcome { return (type, reason) }
        return nil
    }

    @Test func documentsBecomeEventsWithTheirIndexAsSource() throws {
        let bulk = try decode(
            [
                #"{"index": {"_index": "winlogbeat-test", "_id": "a1", "_type": "_doc", "pipeline": "x"}}"#,
                #"{"@timestamp": "2026-11-29T09:00:00Z", "host": {"name": "dc1", "ip": ["10.0.0.1"]}, "message": "logon", "event": {"code": 4624}}"#,
                #"{"create": {}}"#,
                #"{"msg": "from the url index", "source": "syslog"}"#,
            ], index: "logs")
        #expect(bulk.items.map(\.action) == [.index, .create])
        #expect(bulk.items.map(\.index) == ["winlogbeat-test", "logs"])
        #expect(bulk.items.map(\.id) == ["a1", nil])
        let events = bulk.events
        #expect(events.count == 2)
        #expect(events[0].source == "winlogbeat-test")
        #expect(events[0].host == "dc1")
        #expect(events[0].message == "logon")
        #expect(events[0].ts == Timestamp.parse("2026-11-29T09:00:00Z"))
        #expect(events[0].fields["event"] == .object(["code": .int(4624)]))
        #expect(events[0].fields["host"] == .object(["ip": .array([.string("10.0.0.1")])]))
        #expect(events[1].source == "logs")
        #expect(events[1].message == "from the url index")
        // The document's own `source` text is kept, since the index takes its place.
        #expect(events[1].fields["source"] == .string("syslog"))
    }

    @Test func badDocumentsFailAloneAndTheRestAreKept() throws {
        let bulk = try decode([
            #"{"index": {"_index": "a"}}"#, #"{"message": "good one"}"#,
            #"{"index": {"_index": "a", "_id": 7}}"#, #"{not json"#,
            #"{"index": {"_index": "a"}}"#, #"[1, 2]"#,
            #"{"index": {"_index": "a"}}"#, #"{"message": "bad time", "ts": "soon"}"#,
            #"{"index": {}}"#, #"{"message": "no index anywhere"}"#,
            #"{"create": {"_index": "a"}}"#, #"{"message": "good two"}"#,
        ])
        #expect(bulk.events.map(\.message) == ["good one", "good two"])
        #expect(failure(bulk.items[0]) == nil)
        #expect(failure(bulk.items[1])?.type == "document_parsing_exception")
        #expect(failure(bulk.items[1])?.reason.hasPrefix("[4:") == true)
        #expect(bulk.items[1].id == "7")
        #expect(failure(bulk.items[2])?.reason.contains("must be a JSON object") == true)
        #expect(failure(bulk.items[3])?.reason.contains("`ts`") == true)
        #expect(failure(bulk.items[4])?.type == "action_request_validation_exception")
        #expect(bulk.items[4].index == nil)
        #expect(failure(bulk.items[5]) == nil)
    }

    @Test func deleteAndUpdateAreRefusedItemByItem() throws {
        let bulk = try decode([
            #"{"delete": {"_index": "a", "_id": "1"}}"#,
            #"{"update": {"_index": "a", "_id": "2"}}"#, #"{"doc": {"message": "changed"}}"#,
            #"{"index": {"_index": "a"}}"#, #"{"message": "kept"}"#,
        ])
        #expect(bulk.items.map(\.action) == [.delete, .update, .index])
        #expect(failure(bulk.items[0])?.type == "illegal_argument_exception")
        #expect(failure(bulk.items[0])?.reason.contains("[delete]") == true)
        #expect(failure(bulk.items[1])?.reason.contains("[update]") == true)
        #expect(bulk.events.map(\.message) == ["kept"])
    }

    @Test func unreadableBodiesFailWhole() {
        func refusal(_ lines: [String]) -> BulkError? {
            do {
                _ = try decode(lines, index: "a")
                return nil
            } catch {
                return error
            }
        }
        for lines in [
            [#"not json"#, #"{"message": "x"}"#],
            [#"{"insert": {}}"#, #"{"message": "x"}"#],
            [#"{"index": {}, "create": {}}"#, #"{"message": "x"}"#],
            [#"{"index": "a"}"#, #"{"message": "x"}"#],
            [#"{"index": {"_index": 5}}"#, #"{"message": "x"}"#],
            [#"{"index": {}}"#, #"{"message": "x"}"#, #"{"index": {}}"#],
            [#"{"update": {}}"#],
        ] {
            guard case .malformed(let type, _)? = refusal(lines) else {
                Issue.record("not refused whole: \(lines)")
                continue
            }
            #expect(type == "illegal_argument_exception", "\(lines)")
        }
        #expect(
            refusal(["", "  "])
                == .malformed(
                    type: "action_request_validation_exception", reason: "Validation Failed: 1: no requests added;"))
        let deletes = Array(repeating: #"{"delete": {}}"#, count: 4)
        #expect(refusal(deletes) == nil)
        #expect(throws: BulkError.tooManyItems(limit: 3)) { try decode(deletes, maxItems: 3) }
    }

    @Test func crlfAndMissingFinalNewlineAndBlankLinesBetweenItems() throws {
        let text =
            "{\"index\":{\"_index\":\"a\"}}\r\n{\"message\":\"one\"}\r\n\r\n{\"index\":{\"_index\":\"a\"}}\n{\"message\":\"two\"}"
        let bulk = try BulkRequest(decoding: Data(text.utf8), defaultIndex: nil, maxItems: 10, receivedAt: now)
        #expect(bulk.events.map(\.message) == ["one", "two"])
    }
}
