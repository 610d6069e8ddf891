import Foundation
import Testing

@testable import SIEMCore

@Suite struct EventDecoderTests {
    let decoder = EventDecoder(maxEvents: 5)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func decode(_ text: String, _ format: EventDecoder.Format = .json) throws(IngestError) -> [Event] {
        try decoder.decode(Data(text.utf8), format: format, receivedAt: now)
    }

    @Test func singleObjectWithDefaults() throws {
        let events = try decode(#"{"message": "hello", "fields": {"program": "sshd", "n": 3}}"#)
        #expect(events.count == 1)
        #expect(events[0].message == "hello")
        #expect(events[0].source == "api")
        #expect(events[0].host == "unknown")
        #expect(events[0].ts == now)
        #expect(events[0].fields["program"] == .string("sshd"))
        #expect(events[0].fields["n"] == .int(3))
    }

    @Test func arrayAndNDJSON() throws {
        #expect(
            try decode(#"[{"message": "a"}, {"message": "b", "host": "web1"}]"#).map(\.host) == ["unknown", "web1"])
        let ndjson = "{\"message\": \"a\"}\n\n{\"message\": \"b\", \"agent_id\": \"x\"}\n"
        let events = try decode(ndjson, .ndjson)
        #expect(events.map(\.message) == ["a", "b"])
        #expect(events[1].agentID == "x")
    }

    @Test func crlfLineEndsAreWhitespace() throws {
        let events = try decode("{\"message\": \"a\"}\r\n{\"message\": \"b\"}\r\n\r\n", .ndjson)
        #expect(events.map(\.message) == ["a", "b"])
    }

    @Test func timestamps() throws {
        let rfc = try decode(#"{"message": "a", "ts": "2026-11-29T09:00:00.250+01:00"}"#)[0]
        #expect(rfc.ts == Date(timeIntervalSince1970: 1_795_939_200.25))
        let epoch = try decode(#"{"message": "a", "ts": 1700000000}"#)[0]
        #expect(epoch.ts == Date(timeIntervalSince1970: 1_700_000_000))
        let millis = try decode(#"{"message": "a", "ts": 1700000000123}"#)[0]
        #expect(abs(millis.ts.timeIntervalSince1970 - 1_700_000_000.123) < 0.0001)
    }

    @Test func logTypeFromFields() throws {
        #expect(try decode(#"{"message": "a", "fields": {"log_type": "web"}}"#)[0].logType == "web")
    }

    @Test func errorsNameTheProblem() {
        #expect(throws: IngestError.malformed("the body is not valid JSON: unexpected end of input at byte 12")) {
            try decode("{\"message\": ")
        }
        #expect(throws: IngestError.invalid("the event is missing the required field `message`")) {
            try decode(#"{"host": "x"}"#)
        }
        #expect(throws: IngestError.invalid("[1] is missing the required field `message`")) {
            try decode(#"[{"message": "a"}, {"host": "x"}]"#)
        }
        #expect(throws: IngestError.invalid("`fields` must be an object")) {
            try decode(#"{"message": "a", "fields": [1]}"#)
        }
        #expect(throws: IngestError.invalid("`message` must be a string")) { try decode(#"{"message": 5}"#) }
        #expect(throws: IngestError.invalid("the body holds no events")) { try decode("[]") }
        #expect(throws: IngestError.invalid("a request may carry at most 5 events")) {
            try decode("[" + Array(repeating: #"{"message":"a"}"#, count: 6).joined(separator: ",") + "]")
        }
        #expect(throws: IngestError.invalid("line 2: the event is missing the required field `message`")) {
            try decode("{\"message\": \"a\"}\n{\"m\": 1}", .ndjson)
        }
        #expect(throws: IngestError.malformed("the body must be a JSON object or array of event objects")) {
            try decode("\"text\"")
        }
    }

    @Test func badTimestampIsInvalid() {
        #expect(throws: IngestError.self) { try decode(#"{"message": "a", "ts": "yesterday"}"#) }
        #expect(throws: IngestError.self) { try decode(#"{"message": "a", "ts": -5}"#) }
        #expect(throws: IngestError.self) { try decode(#"{"message": "a", "ts": true}"#) }
    }

    @Test func storedJSONTextRoundTrips() throws {
        let value = JSONValue.object([
            "s": .string("quote \" back \\ nl \n ctl \u{01}"), "i": .int(-4), "d": .double(1.5), "b": .bool(true),
            "n": .null, "a": .array([.int(1), .string("x")]), "o": .object(["k": .string("v")]),
        ])
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(value.jsonText.utf8))
        #expect(decoded == value)
    }
}
