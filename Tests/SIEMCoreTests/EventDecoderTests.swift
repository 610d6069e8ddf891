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
            try decode("{\"message\": \"a\"}\n{\"host\": \"y\", \"ts\": 1}", .ndjson)
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

    // MARK: Objects that are not in the event shape

    @Test func windowsExportWithoutMessage() throws {
        let event = try decode(
            #"""
            {"Message": "An account failed to log on.", "TimeCreated": "2026-03-14T01:00:02.5Z",
             "Computer": "DC01.corp.example.com", "Id": 4625, "ProviderName": "Microsoft-Windows-Security-Auditing",
             "Properties": [{"Value": "S-1-0-0"}]}
            """#)[0]
        #expect(event.message == "An account failed to log on.")
        #expect(event.ts == Date(timeIntervalSince1970: 1_773_450_002.5))
        #expect(event.host == "DC01.corp.example.com")
        #expect(event.source == "api")
        // Every non-event key is kept, the ones read as message, time and host included.
        #expect(event.fields["Id"] == .int(4625))
        #expect(event.fields["ProviderName"] == .string("Microsoft-Windows-Security-Auditing"))
        #expect(event.fields["Properties"] == .array([.object(["Value": .string("S-1-0-0")])]))
        #expect(event.fields["Computer"] == .string("DC01.corp.example.com"))
        #expect(event.fields["Message"] == .string("An account failed to log on."))
        // Windows PowerShell 5.1 writes times as `/Date(ms)/`.
        let legacy = try decode(#"{"Message": "m", "TimeCreated": "\/Date(1773450002500)\/"}"#)[0]
        #expect(legacy.ts == Date(timeIntervalSince1970: 1_773_450_002.5))
        let offset = try decode(#"{"msg": "m", "TimeCreated": "/Date(1773450002500+0100)/"}"#)[0]
        #expect(offset.ts == Date(timeIntervalSince1970: 1_773_450_002.5))
    }

    @Test func beatsECSDocument() throws {
        let event = try decode(
            #"""
            {"@timestamp": "2026-11-29T08:00:00.000Z", "host": {"name": "web1", "ip": ["10.0.0.7"]},
             "event": {"original": "GET /admin 403", "kind": "event"}, "agent": {"type": "filebeat"},
             "log": {"file": {"path": "/var/log/nginx/access.log"}}, "source": {"ip": "198.51.100.4"}}
            """#)[0]
        #expect(event.message == "GET /admin 403")
        #expect(event.ts == Date(timeIntervalSince1970: 1_795_939_200))
        #expect(event.host == "web1")
        #expect(event.source == "api")
        #expect(event.fields["host"] == .object(["ip": .array([.string("10.0.0.7")])]))
        #expect(event.fields["source"] == .object(["ip": .string("198.51.100.4")]))
        #expect(event.fields["event"]?.objectValue?["kind"] == .string("event"))
        #expect(event.fields["agent"] == .object(["type": .string("filebeat")]))
        // `log` is an object here (ECS), so it is not the message.
        #expect(event.fields["log"] != nil)
        // With `message`, `event.original` stays in the fields and `@timestamp` still gives the time.
        let withMessage = try decode(
            #"{"message": "m", "@timestamp": 1700000000, "event": {"original": "o"}, "host": {"name": "h"}}"#)[0]
        #expect(withMessage.message == "m")
        #expect(withMessage.ts == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(withMessage.host == "h")
        #expect(withMessage.fields["event"] == .object(["original": .string("o")]))
        #expect(withMessage.fields["host"] == nil)
    }

    @Test func dottedAndFallbackKeys() throws {
        let dotted = try decode(#"{"event.original": "raw line", "host.name": "db2", "timestamp": "1700000000"}"#)[0]
        #expect(dotted.message == "raw line")
        #expect(dotted.host == "db2")
        #expect(dotted.ts == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(dotted.fields["event.original"] == .string("raw line"))
        #expect(try decode(#"{"msg": "from msg", "hostname": "h1"}"#)[0].host == "h1")
        #expect(try decode(#"{"log": "docker line\n", "stream": "stdout"}"#)[0].message == "docker line\n")
        #expect(try decode(#"{"@message": "otel body"}"#)[0].message == "otel body")
        // The order of preference: `Message` before `msg`, `@timestamp` before `timestamp`.
        let both = try decode(
            #"{"msg": "b", "Message": "a", "timestamp": 1700000000, "@timestamp": 1800000000, "host": ""}"#)[0]
        #expect(both.message == "a")
        #expect(both.ts == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(both.host == "unknown")
        // `ts` and `host` win over the fallbacks, which stay in the fields.
        let own = try decode(#"{"message": "m", "ts": 1700000000, "@timestamp": "x", "host": "a", "Computer": "b"}"#)[0]
        #expect(own.ts == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(own.host == "a")
        #expect(own.fields == ["@timestamp": .string("x"), "Computer": .string("b")])
    }

    @Test func noMessageKeyGivesTheObjectAsCompactJSON() throws {
        let event = try decode(#"{ "user" : "alice", "action": "login", "n": [1, 2.5, null], "ok": true }"#)[0]
        #expect(event.message == #"{"action":"login","n":[1,2.5,null],"ok":true,"user":"alice"}"#)
        #expect(event.fields["user"] == .string("alice"))
        // Empty strings are no message: the next key, or the whole object, is used.
        let empty = try decode(#"{"Message": "", "host": "h"}"#)[0]
        #expect(empty.message == #"{"Message":"","host":"h"}"#)
        #expect(empty.host == "h")
    }

    @Test func unknownTopLevelKeysLandInFields() throws {
        let event = try decode(#"{"message": "m", "program": "sshd", "pid": 42, "fields": {"site": "a"}}"#)[0]
        #expect(event.fields == ["program": .string("sshd"), "pid": .int(42), "site": .string("a")])
        let ndjson = try decode("{\"message\": \"a\", \"x\": 1}\n{\"y\": 2}\n", .ndjson)
        #expect(ndjson.map(\.fields) == [["x": .int(1)], ["y": .int(2)]])
        #expect(ndjson[1].message == #"{"y":2}"#)
    }

    @Test func explicitFieldsWinOnAClash() throws {
        let event = try decode(
            #"{"message": "m", "program": "top", "fields": {"program": "explicit", "log_type": "web"}}"#)[0]
        #expect(event.fields == ["program": .string("explicit"), "log_type": .string("web")])
        #expect(event.logType == "web")
    }

    @Test func foreignKeysAreReadStrictly() {
        #expect(throws: IngestError.invalid("`@timestamp` must be an RFC 3339 time or a Unix epoch, not \"yesterday\""))
        {
            try decode(#"{"msg": "a", "@timestamp": "yesterday"}"#)
        }
        #expect(throws: IngestError.invalid("`[0].TimeCreated` must be an RFC 3339 time or a Unix epoch")) {
            try decode(#"[{"Message": "a", "TimeCreated": {"SystemTime": "x"}}]"#)
        }
        #expect(throws: IngestError.invalid("line 1: `timestamp` is not a valid Unix epoch")) {
            try decode(#"{"message": "a", "timestamp": -1}"#, .ndjson)
        }
        #expect(throws: IngestError.invalid("the event is missing the required field `message`")) {
            try decode(#"{"host": {"name": "web1"}, "fields": {"a": 1}}"#)
        }
        #expect(throws: IngestError.invalid("`message` must be a string")) {
            try decode(#"{"message": null, "msg": "a"}"#)
        }
        #expect(throws: IngestError.invalid("`host` must be a string or an ECS host object (`{\"name\": …}`)")) {
            try decode(#"{"message": "a", "host": 5}"#)
        }
        #expect(throws: IngestError.invalid("[1] must be an event object")) { try decode(#"[{"message": "a"}, "b"]"#) }
    }
}
