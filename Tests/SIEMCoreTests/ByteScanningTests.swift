import Testing

@testable import SIEMCore

/// The byte-level fast paths of the text helpers give what the character-level code gave.
@Suite struct ByteScanningTests {
    /// The reference: what `words` was before its ASCII fast path.
    func characterWords(_ text: Substring) -> [Substring] {
        text.split(separator: " ", omittingEmptySubsequences: true)
    }

    @Test func wordsMatchTheCharacterSplit() {
        let samples: [Substring] = [
            "", " ", "   ", "a", " a ", "a  b   c", "query: example.com IN A +E(0)K (192.0.2.53)",
            "line\r\nwith crlf \r\n", "tab\tis not a space", "trailing ", " leading",
            // A combining mark after a space makes one character: no cut there.
            "a \u{301}b c", "é ü", "\u{FFFD} x", "emoji 👍🏽 ok",
        ]
        for sample in samples {
            #expect(sample.words == characterWords(sample), "\(sample.debugDescription)")
        }
        #expect(Substring("a \u{301}b c").words.count == 2)
        #expect(Substring("a  b   c").words == ["a", "b", "c"])
    }

    @Test func wordsOfSlicesKeepTheirIndices() {
        let line = "xx GET /index.php HTTP/1.1 yy"
        let inner = Substring(line).dropFirst(3).dropLast(3)
        let words = inner.words
        #expect(words == ["GET", "/index.php", "HTTP/1.1"])
        #expect(line[words[1].startIndex..<words[1].endIndex] == "/index.php")
    }

    @Test func asciiCheck() {
        #expect(Substring("plain ASCII text, longer than eight bytes").isASCII)
        #expect(Substring("").isASCII)
        #expect(!Substring("ascii until the very last byte é").isASCII)
        #expect(!Substring("é").isASCII)
        let bytes: [UInt8] = [0x41, 0x42, 0xFF, 0x43]
        #expect(!Substring(String(decoding: bytes, as: UTF8.self)).isASCII)
    }

    @Test func leadingCharactersMatchPrefix() {
        let samples: [Substring] = [
            "", "short", String(repeating: "a", count: 300)[...], "ab\r\ncd", "abc\u{301}def", "ascii then é",
            "e\u{301}\u{302}xyz", "12345678",
        ]
        for sample in samples {
            for count in [0, 1, 3, 4, 5, 8, 200, 1000] {
                #expect(sample.leadingCharacters(count) == sample.prefix(count), "\(sample.debugDescription) \(count)")
                #expect(sample.leadingCharacters(count).endIndex == sample.prefix(count).endIndex)
            }
        }
        // The character after the cut carries a combining mark: it is not split.
        #expect(Substring("abc\u{301}d").leadingCharacters(3) == "abc\u{301}")
    }

    @Test func containsTextAndTrimming() {
        #expect(Substring("UFW BLOCK").containsText("BLOCK"))
        #expect(!Substring("UFW ALLOW").containsText("BLOCK"))
        #expect(Substring("É BLOCK").containsText("BLOCK"))
        #expect(Substring("[UFW BLOCK] ").trimmingBytes([UInt8(ascii: "["), UInt8(ascii: "]"), 0x20]) == "UFW BLOCK")
        #expect(Substring("[[ ]]").trimmingBytes([UInt8(ascii: "["), UInt8(ascii: "]"), 0x20]) == "")
        #expect(Substring("[é]").trimmingBytes([UInt8(ascii: "["), UInt8(ascii: "]")]) == "é")
        #expect(
            Substring(" [x y] ").trimmingBytes([UInt8(ascii: "["), UInt8(ascii: "]"), 0x20])
                == Substring(" [x y] ").trimmingCharacters(in: ["[", "]", " "])[...])
    }

    @Test func canonicalIPv4() {
        #expect(IPAddress.canonicalIPv4("192.0.2.1".utf8) == "192.0.2.1")
        #expect(IPAddress.canonicalIPv4("010.000.002.001".utf8) == "10.0.2.1")
        #expect(IPAddress.canonicalIPv4("255.255.255.255".utf8) == "255.255.255.255")
        #expect(IPAddress.canonicalIPv4("0.0.0.0".utf8) == "0.0.0.0")
        #expect(IPAddress.canonicalIPv4("100.20.3.199".utf8) == "100.20.3.199")
        #expect(IPAddress.canonicalIPv4("256.1.1.1".utf8) == nil)
        #expect(IPAddress.canonicalIPv4("1.1.1.1000".utf8) == nil)
        #expect(IPAddress.canonicalIPv4("99999999999999999999.1.1.1".utf8) == nil)
        #expect(IPAddress.canonicalIPv4("1.1.1".utf8) == nil)
        #expect(IPAddress.canonicalIPv4("1.1.1.1.1".utf8) == nil)
        #expect(IPAddress.canonicalIPv4("1..1.1".utf8) == nil)
        #expect(IPAddress.canonicalIPv4("1.1.1.".utf8) == nil)
        #expect(IPAddress.canonicalIPv4("".utf8) == nil)
        #expect(IPAddress.canonicalIPv4([0x31, 0x2E, 0x31, 0x2E, 0x31, 0x2E, 0xB1]) == nil)
        #expect(IPAddress.canonical("10.0.0.5:22") == nil)
        #expect(IPAddress.canonical("2001:DB8::1") == "2001:db8::1")
    }

    @Test func valuesThatMayHoldAddresses() {
        #expect(IPExtractor.mayHoldAddress("10.0.0.1"))
        #expect(IPExtractor.mayHoldAddress("::1"))
        #expect(IPExtractor.mayHoldAddress("a.b.c"))
        #expect(!IPExtractor.mayHoldAddress("1.5"))
        #expect(!IPExtractor.mayHoldAddress("plain"))
        #expect(!IPExtractor.mayHoldAddress(.int(1234)))
        #expect(!IPExtractor.mayHoldAddress(.double(1.5e20)))
        #expect(!IPExtractor.mayHoldAddress(.bool(true)))
        #expect(IPExtractor.mayHoldAddress(.array([.string("x")])))
        #expect(IPExtractor.mayHoldAddress(.string("192.0.2.7")))
        // Skipping such values leaves what extraction finds unchanged.
        let event = Event(
            ts: .distantPast, receivedAt: .distantPast, source: "file", host: "h", message: "from 192.0.2.1",
            fields: ["n": .int(7), "peer": .string("[2001:db8::5]:443"), "f": .double(1.25)],
            normalized: ["source.port": .int(22), "destination.ip": .string("198.51.100.9")])
        #expect(event.extractedIPs() == ["192.0.2.1", "2001:db8::5", "198.51.100.9"])
    }

    @Test func filterlogNeedsNineCommas() {
        #expect(!PfSenseNormalizer.looksLikeFilterlog("14-Mar-2026 08:00:01.123 queries: info: client"))
        #expect(!PfSenseNormalizer.looksLikeFilterlog("1,2,3,4,5,6,7,8,9"))
        #expect(PfSenseNormalizer.looksLikeFilterlog("5,,,1000000103,igb0,match,block,in,4,0x0,,64,0,0,DF,6,tcp"))
    }
}
