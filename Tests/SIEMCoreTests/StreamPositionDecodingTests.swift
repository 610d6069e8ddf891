import Foundation
import Testing

@testable import SIEMCore

/// `_stream` is read strictly and kept out of `fields`.
@Suite struct StreamPositionDecodingTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func decode(_ line: String) throws(IngestError) -> Event {
        try EventDecoder().decode(Data(line.utf8), format: .ndjson, receivedAt: now)[0]
    }

    @Test func aPositionIsReadAndNotStoredInFields() throws {
        let event = try Self.decode(
            #"{"message":"m","fields":{"offset":61},"_stream":{"id":"agent-1/2049:77/0","start":61,"end":122}}"#)
        #expect(event.stream == StreamPosition(id: "agent-1/2049:77/0", start: 61, end: 122))
        #expect(event.fields["_stream"] == nil)
        #expect(event.fields["offset"] == .int(61))
        #expect(try Self.decode(#"{"message":"m"}"#).stream == nil)
    }

    @Test func aBadPositionIsRefusedNamingTheLine() {
        for bad in [
            #"{"message":"m","_stream":"x"}"#,
            #"{"message":"m","_stream":{"start":0,"end":1}}"#,
            #"{"message":"m","_stream":{"id":"","start":0,"end":1}}"#,
            #"{"message":"m","_stream":{"id":"s","start":5,"end":5}}"#,
            #"{"message":"m","_stream":{"id":"s","start":-1,"end":5}}"#,
            #"{"message":"m","_stream":{"id":"s","start":"0","end":5}}"#,
            #"{"message":"m","_stream":{"id":"\#(String(repeating: "a", count: 201))","start":0,"end":5}}"#,
        ] {
            #expect(throws: IngestError.self, "\(bad)") { try Self.decode(bad) }
            do {
                _ = try Self.decode(bad)
            } catch {
                #expect(error.detail.contains("line 1") && error.detail.contains("_stream"), "\(error.detail)")
            }
        }
    }
}
