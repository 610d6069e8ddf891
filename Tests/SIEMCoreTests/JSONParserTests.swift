import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func scalarsAndContainers() throws {
        #expect(
            try parse(#" {"a": [1, -2.5, 3e2, true, false, null, "x"], "b": {}} "#)
                == .object([
                    "a": .array([.int(1), .double(-2.5), .double(300), .bool(true), .bool(false), .null, .string("x")]),
                    "b": .object([:]),
                ]))
        #expect(try parse("9223372036854775807") == .int(Int64.max))
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try parse("-0") == .int(0))
    }

    @Test func stringEscapes() throws {
        #expect(try parse(#""a\"b\\c\/d\n\t\u0041\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\n\tAé😀"))
        #expect(try parse(#""lone \ud800 surrogate""#) == .string("lone \u{FFFD} surrogate"))
        // Invalid UTF-8 inside a string is kept as U+FFFD, never dropped.
        #expect(try JSONParser.parse([0x22, 0x61, 0xFF, 0x62, 0x22]) == .string("a\u{FFFD}b"))
    }

    @Test func rejectsWhatRFC8259Rejects() {
        for bad in [
            "", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", ".5", "+1", "1e", "tru", "nul", "'x'",
            "\"unterminated", "\"bad \\q escape\"", "1e999", "-1e400", "\"ctl \u{01}\"", "[1] [2]", "{\"a\":1}x",
            "\"\\u12\"",
        ] {
            #expect(throws: JSONParser.SyntaxError.self, "\(bad)") { try parse(bad) }
        }
    }

    @Test func depthIsBounded() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParser.SyntaxError.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try parse(fine) }
    }

    /// Every line of the synthetic Windows events parses to what Foundation's decoder gives.
    @Test func agreesWithFoundationOnSyntheticDocuments() throws {
        #expect(try compareWithFoundation("synthetic/windows-4625.ndjson") > 400)
    }

    /// Every line of the real Windows event exports parses to what Foundation's decoder gives.
    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func agreesWithFoundationOnRealDocuments() throws {
        let file = "windows_security/mordor_psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json"
        #expect(try compareWithFoundation(file) > 150)
    }

    /// How many lines of the sample `file` were compared.
    func compareWithFoundation(_ file: String) throws -> Int {
        var compared = 0
        // Split bytes, not Characters: "\r\n" is one Character in Swift.
        let data = try Samples.contents(file)
        for line in data.split(separator: UInt8(ascii: "\n")) where line.contains(UInt8(ascii: "{")) {
            let ours = try JSONParser.parse(line)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: line)
            #expect(ours == foundation)
            compared += 1
        }
        return compared
    }
}
