import Foundation
import SIEMCore
import Testing

@testable import SIEMAgent

/// `siem-agent tail --format`: how one line becomes one `/ingest` event, read back through
/// siemd's own decoder.
@Suite struct LineEncoderTests {
    static let stream = StreamPosition(id: "agent/1:2/0", start: 100, end: 200)

    func encoder(_ format: LineFormat, maxEventBytes: Int = 1 << 20) -> LineEncoder {
        LineEncoder(
            format: format, events: EventEncoder(source: "file", host: "shipper", maxEventBytes: maxEventBytes),
            logType: "app")
    }

    /// The event siemd makes of `text` read as a line at offset 100 of `/var/log/app.log`.
    func event(
        _ text: String, _ format: LineFormat = .auto, truncated: Bool = false, partial: Bool = false
    ) throws -> (event: Event, line: [String: JSONValue]) {
        let line = TrackedFile.Line(offset: 100, end: 200, truncated: truncated, partial: partial)
        let encoded = encoder(format).encode(
            Array(text.utf8)[...], line, path: "/var/log/app.log", stream: Self.stream)
        let object = try #require(try JSONParser.parse(encoded.line).objectValue)
        let events = try EventDecoder().decode(Data(encoded.line), format: .ndjson, receivedAt: Date())
        return (try #require(events.first), object)
    }

    @Test func textLineIsTheMessage() throws {
        let (event, line) = try event("plain text {not json")
        #expect(event.message == "plain text {not json")
        #expect(event.host == "shipper")
        #expect(event.source == "file")
        #expect(event.fields["path"] == .string("/var/log/app.log"))
        #expect(event.fields["offset"] == .int(100))
        #expect(event.fields["log_type"] == .string("app"))
        #expect(event.fields["format_error"] == nil)
        #expect(event.stream == StreamPosition(id: "agent/1:2/0", start: 100, end: 200))
        #expect(line["_stream"] == .object(["id": .string("agent/1:2/0"), "start": .int(100), "end": .int(200)]))
    }

    @Test func jsonAppLogIsSentAsItsMembers() throws {
        let text = #"{"level":"error","msg":"disk full","ts":"2025-03-01T10:00:00Z","fields":{"req":7,"path":"/x"}}"#
        let (event, _) = try event(text)
        #expect(event.message == "disk full")
        #expect(event.ts == Timestamp.parse("2025-03-01T10:00:00Z"))
        #expect(event.host == "shipper")
        #expect(event.fields["level"] == .string("error"))
        #expect(event.fields["req"] == .int(7))
        // The agent's keys win over the object's own `fields`.
        #expect(event.fields["path"] == .string("/var/log/app.log"))
        #expect(event.fields["offset"] == .int(100))
        #expect(event.fields["agent"] == nil)
    }

    @Test func objectsOwnSourceAndHost() throws {
        let text = #"{"message":"hi","source":"billing","host":{"name":"web1","ip":"10.0.0.1"},"agent":{"type":"x"}}"#
        let (event, _) = try event(text)
        #expect(event.source == "file")
        #expect(event.fields["source"] == .string("billing"))
        #expect(event.host == "web1")
        #expect(event.fields["agent"] == .object(["type": .string("x"), "hostname": .string("shipper")]))
        // A host object without a name gets the agent's.
        let (unnamed, _) = try self.event(#"{"message":"hi","host":{"ip":"10.0.0.2"}}"#)
        #expect(unnamed.host == "shipper")
        #expect(unnamed.fields["host"] == .object(["ip": .string("10.0.0.2")]))
        // `agent` that is not an object is left as it is.
        let (scalar, _) = try self.event(#"{"message":"hi","hostname":"db1","agent":"filebeat"}"#)
        #expect(scalar.host == "db1")
        #expect(scalar.fields["agent"] == .string("filebeat"))
    }

    @Test func dockerAndWindowsRecords() throws {
        let docker = #"{"log":"GET /health 200\n","stream":"stdout","time":"2025-03-01T10:00:00.123456789Z"}"#
        let (container, _) = try event(docker)
        #expect(container.message == "GET /health 200")
        #expect(container.fields["stream"] == .string("stdout"))
        #expect(container.host == "shipper")
        let windows =
            #"{"Id":4625,"Message":"An account failed to log on.","TimeCreated":"/Date(1732870800000)/","Computer":"DC01","LevelDisplayName":"Information"}"#
        let (record, _) = try event(windows)
        #expect(record.message == "An account failed to log on.")
        #expect(record.host == "DC01")
        #expect(record.ts == Date(timeIntervalSince1970: 1_732_870_800))
        #expect(record.fields["Id"] == .int(4625))
        #expect(record.fields["agent"] == .object(["hostname": .string("shipper")]))
    }

    @Test func formatsTextAndJSONAndRefusedObjects() throws {
        let json = #"{"msg":"as json"}"#
        #expect(try event(json, .text).event.message == json)
        #expect(try event(json, .json).event.message == "as json")
        let (notObject, _) = try event("not json", .json)
        #expect(notObject.message == "not json")
        #expect(notObject.fields["format_error"] == .bool(true))
        #expect(try event("{broken", .auto).event.fields["format_error"] == nil)
        #expect(try event("{broken", .json).event.fields["format_error"] == .bool(true))
        // An object siemd would refuse (a `ts` that is no time) is sent as text, never dropped.
        let refused = #"{"msg":"x","ts":"yesterday"}"#
        let (text, _) = try event(refused)
        #expect(text.message == refused)
        #expect(text.fields["format_error"] == .bool(true))
        // A cut line is no longer JSON.
        let (cut, _) = try event(#"{"msg":"cut"#, .json, truncated: true)
        #expect(cut.fields["truncated"] == .bool(true))
        #expect(cut.fields["format_error"] == nil)
        let (partial, _) = try event(#"{"msg":"last"}"#, partial: true)
        #expect(partial.message == "last")
        #expect(partial.fields["partial"] == .bool(true))
    }
}
