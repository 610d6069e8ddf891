import Foundation
import Testing

@testable import SIEMCore

@Suite struct HECRequestTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func events(_ text: String, defaults: HECRequest.Metadata = .init()) throws(HECError) -> [Event] {
        try HECRequest.events(Data(text.utf8), defaults: defaults, maxEvents: 10, receivedAt: now)
    }

    func refusal(_ text: String) -> HECError? {
        do {
            _ = try events(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func concatenatedEventsWithAndWithoutWhitespace() throws {
        let body = """
            {"event": "first", "time": 1426279439.5, "host": "web1", "sourcetype": "access_combined"}{"event": "second",\
             "time": "1426279440", "source": "/var/log/app.log", "index": "main", "fields": {"env": "prod"}}
            {"event": {"message": "third", "user": "alice", "host": {"name": "db1"}}}
            """
        let decoded = try events(body)
        #expect(decoded.map(\.message) == ["first", "second", "third"])
        #expect(decoded[0].ts == Date(timeIntervalSince1970: 1_426_279_439.5))
        #expect(decoded[0].host == "web1")
        #expect(decoded[0].source == "hec")
        #expect(decoded[0].fields["sourcetype"] == .string("access_combined"))
        #expect(decoded[1].ts == Date(timeIntervalSince1970: 1_426_279_440))
        #expect(decoded[1].source == "/var/log/app.log")
        #expect(decoded[1].fields["index"] == .string("main"))
        #expect(decoded[1].fields["env"] == .string("prod"))
        // An event object is read as any JSON event: its keys go to `fields`.
        #expect(decoded[2].host == "db1")
        #expect(decoded[2].fields["user"] == .string("alice"))
        #expect(decoded[2].ts == now)
    }

    @Test func queryMetadataFillsWhatEventsLeaveOut() throws {
        let defaults = HECRequest.Metadata(host: "fallback", source: "app", sourcetype: "json", index: "idx")
        let decoded = try events(#"{"event": "a"} {"event": "b", "host": "own", "source": "mine"}"#, defaults: defaults)
        #expect(decoded.map(\.host) == ["fallback", "own"])
        #expect(decoded.map(\.source) == ["app", "mine"])
        #expect(
            decoded.allSatisfy { $0.fields["sourcetype"] == .string("json") && $0.fields["index"] == .string("idx") })
    }

    @Test func brokenEventsRefuseTheBodyWithSplunksCodes() {
        #expect(refusal("") == .noData)
        #expect(refusal("  \n ") == .noData)
        #expect(refusal(#"{"event": "a"}{"time": 5}"#) == .eventRequired(event: 1))
        #expect(refusal(#"{"event": "a"}{"event": null}"#) == .eventRequired(event: 1))
        #expect(refusal(#"{"event": ""}"#) == .eventBlank(event: 0))
        #expect(refusal(#"{"event": "   "}"#) == .eventBlank(event: 0))
        #expect(refusal(#"{"event": {}}"#) == .eventBlank(event: 0))
        #expect(refusal(#"{"event": "a", "fields": [1]}"#) == .invalidFields(event: 0))
        #expect(refusal(#"{"event": "a"}{"event": "b"}{"event": "c""#)?.invalidEventNumber == 2)
        #expect(refusal(#"{"event": "a"}{"event": "b"}{"event": "c""#)?.code == 6)
        #expect(refusal(#"{"event": "a"} [1]"#)?.code == 6)
        #expect(refusal(#"{"event": "a", "time": "yesterday"}"#)?.code == 6)
        #expect(refusal(#"{"event": "a", "host": 5}"#)?.code == 6)
        #expect(refusal(#"{"event": {"message": 5}}"#)?.code == 6)
        #expect(HECError.eventBlank(event: 0).text == "Event field cannot be blank")
        #expect(HECError.eventRequired(event: 0).text == "Event field is required")
        #expect(HECError.noData.invalidEventNumber == nil)
    }

    @Test func nonTextEventsAreKeptAsTheirJSON() throws {
        let decoded = try events(#"{"event": 42}{"event": [1, "x"]}"#)
        #expect(decoded.map(\.message) == ["42", #"[1,"x"]"#])
    }

    @Test func tooManyEvents() {
        let body = String(repeating: #"{"event": "x"}"#, count: 11)
        #expect(refusal(body) == .tooManyEvents(limit: 10))
    }

    @Test func rawLinesAreEventsWithTheQueryMetadata() throws {
        let defaults = HECRequest.Metadata(host: "fw1", sourcetype: "syslog")
        let text = "line one\r\n\n   \nline two\n"
        let decoded = try HECRequest.raw(Data(text.utf8), defaults: defaults, maxEvents: 10, receivedAt: now)
        #expect(decoded.map(\.message) == ["line one", "line two"])
        #expect(decoded.allSatisfy { $0.host == "fw1" && $0.source == "hec" && $0.ts == now })
        #expect(decoded[0].fields["sourcetype"] == .string("syslog"))
        #expect(throws: HECError.noData) { try HECRequest.raw(Data(" \n".utf8), maxEvents: 10, receivedAt: now) }
        #expect(throws: HECError.tooManyEvents(limit: 1)) {
            try HECRequest.raw(Data("a\nb\n".utf8), maxEvents: 1, receivedAt: now)
        }
    }

    @Test func jsonSequenceParsing() {
        let (values, error) = Data(#"{"a":1}{"b":2} 3 "x"{"#.utf8).withUnsafeBytes {
            JSONParser.parseSequence($0.bindMemory(to: UInt8.self))
        }
        #expect(values.count == 4)
        #expect(error != nil)
    }
}
