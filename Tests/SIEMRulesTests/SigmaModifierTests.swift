import Foundation
import SIEMCore
import Testing

@testable import SIEMRules

/// Sigma values and modifiers, one behaviour per test, on hand-made events.
@Suite struct SigmaModifierTests {
    func check(
        _ detection: String, _ cases: [([String: JSONValue], Bool)], config: SigmaConfig = .empty,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let rule = try SigmaSnippet.rule(detection, config: config)
        for (fields, expected) in cases {
            #expect(
                rule.matches(SigmaSnippet.event(fields)) == expected, "\(fields)", sourceLocation: sourceLocation)
            // The index selects the rule whenever it matches.
            let set = RuleSet(rules: [rule])
            #expect(
                set.matchingRules(SigmaSnippet.event(fields)).isEmpty == !expected, "index: \(fields)",
                sourceLocation: sourceLocation)
        }
    }

    @Test func plainEqualityIsCaseInsensitiveWithUnicodeFolding() throws {
        try check(
            "sel: {User: 'ÄRGER'}\ncondition: sel",
            [(["User": "ärger"], true), (["User": "ÄRGER"], true), (["User": "ärgern"], false), ([:], false)])
        try check(
            "sel: {Image: 'C:\\Windows\\cmd.exe'}\ncondition: sel",
            [(["Image": "c:\\windows\\CMD.EXE"], true), (["Image": "c:\\windows\\cmd.exe "], false)])
    }

    /// Non-ASCII values fold by Unicode lowercase, and the index still finds the rule: by an ASCII
    /// run, by caseless characters, and never by a letter another character lowercases to.
    @Test func unicodeValuesAndTheirGuards() throws {
        try check(
            "sel: {V|contains: 'straße-Übung'}\ncondition: sel",
            [(["V": "x STRAßE-ÜBUNG x"], true), (["V": "strasse-übung"], false)])
        try check(
            "sel: {CommandLine|contains: ['\u{1F600}', '\u{202E}']}\ncondition: sel",
            [
                (["CommandLine": "echo \u{1F600}"], true), (["CommandLine": "a\u{202E}b"], true),
                (["CommandLine": "echo"], false),
            ])
        // U+212A (Kelvin) lowercases to `k`, U+0130 to `i` and U+0307.
        try check("sel: {V|contains: 'äk'}\ncondition: sel", [(["V": "Ä\u{212A}"], true), (["V": "äc"], false)])
        try check("sel: {V|contains: 'äi\u{0307}'}\ncondition: sel", [(["V": "Ä\u{0130}"], true)])
    }

    @Test func fieldNamesAreCaseInsensitive() throws {
        try check(
            "sel: {commandline|contains: whoami}\ncondition: sel",
            [(["CommandLine": "cmd /c WHOAMI"], true), (["COMMANDLINE": "whoami"], true), (["Other": "whoami"], false)])
    }

    @Test func wildcardsAndEscaping() throws {
        try check(
            "sel: {Image: '*\\\\cmd?.exe'}\ncondition: sel",
            [
                (["Image": "C:\\x\\cmd1.exe"], true), (["Image": "C:\\x\\cmd.exe"], false),
                (["Image": "\\cmdÄ.exe"], true),
            ])
        // `\*` is a literal star, `\?` a literal question mark, `\\` one backslash.
        try check(
            "sel: {V: 'a\\*b\\?c\\\\d'}\ncondition: sel",
            [(["V": "a*b?c\\d"], true), (["V": "axb?c\\d"], false), (["V": "a*b?c\\\\d"], false)])
        // A backslash before another character is itself literal.
        try check("sel: {V: 'C:\\Temp\\'}\ncondition: sel", [(["V": "c:\\temp\\"], true), (["V": "c:temp"], false)])
        // `\\*` is a backslash then a wildcard.
        try check("sel: {V: 'x\\\\*'}\ncondition: sel", [(["V": "x\\anything"], true), (["V": "xy"], false)])
        // Inner wildcards with contains.
        try check(
            "sel: {V|contains: 'a*c'}\ncondition: sel",
            [(["V": "zzabbbczz"], true), (["V": "ca"], false)])
    }

    @Test func containsStartsWithEndsWith() throws {
        try check(
            "sel: {V|contains: mid}\ncondition: sel",
            [(["V": "xMIDx"], true), (["V": "mi d"], false)])
        try check(
            "sel: {V|startswith: pre}\ncondition: sel",
            [(["V": "PREfix"], true), (["V": "xpre"], false)])
        try check(
            "sel: {V|endswith: '.exe'}\ncondition: sel",
            [(["V": "a.EXE"], true), (["V": "a.exe.txt"], false)])
    }

    @Test func listsAreOrAndAllMakesThemAnd() throws {
        try check(
            "sel: {V|contains: [a1, b2]}\ncondition: sel",
            [(["V": "xa1"], true), (["V": "b2"], true), (["V": "c3"], false)])
        try check(
            "sel: {V|contains|all: [a1, b2]}\ncondition: sel",
            [(["V": "xa1 b2"], true), (["V": "b2"], false)])
        // A list of maps is OR; a map is AND.
        try check(
            "sel:\n  - {A: 1, B: 2}\n  - {C: 3}\ncondition: sel",
            [(["A": 1, "B": 2], true), (["A": 1], false), (["C": 3], true)])
    }

    @Test func numbersMatchNumbersAndTheirText() throws {
        try check(
            "sel: {EventID: 4688}\ncondition: sel",
            [
                (["EventID": 4688], true), (["EventID": "4688"], true), (["EventID": .double(4688)], true),
                (["EventID": 46880], false),
            ])
        try check("sel: {EventID: '4688'}\ncondition: sel", [(["EventID": 4688], true), (["EventID": "4688"], true)])
        try check("sel: {Ratio: 1.5}\ncondition: sel", [(["Ratio": .double(1.5)], true), (["Ratio": "1.50"], true)])
    }

    @Test func booleansMatchBooleansAndTheirText() throws {
        try check(
            "sel: {Flag: true}\ncondition: sel",
            [(["Flag": true], true), (["Flag": "true"], true), (["Flag": "TRUE"], true), (["Flag": false], false)])
    }

    @Test func nullAndExists() throws {
        try check(
            "sel: {V: null}\ncondition: sel",
            [([:], true), (["V": .null], true), (["V": ""], false), (["V": "x"], false)])
        try check(
            "sel: {V|exists: true}\ncondition: sel",
            [(["V": "x"], true), (["V": ""], true), ([:], false), (["V": .null], false)])
        try check("sel: {V|exists: false}\ncondition: sel", [(["V": "x"], false), ([:], true)])
        // An empty string equals only an empty value.
        try check("sel: {V: ''}\ncondition: sel", [(["V": ""], true), ([:], false), (["V": "a"], false)])
    }

    @Test func keywordsSearchTheMessageAndEveryFieldValue() throws {
        let rule = try SigmaSnippet.rule("keywords:\n  - 'evil*thing'\n  - 4711\ncondition: keywords")
        #expect(rule.matches(SigmaSnippet.event([:], message: "an EVIL old thing here")))
        #expect(rule.matches(SigmaSnippet.event(["Nested": .object(["deep": .array(["x", "the evilthing"])])])))
        #expect(rule.matches(SigmaSnippet.event(["Code": 47110])))
        #expect(!rule.matches(SigmaSnippet.event(["A": "evil"], message: "thing")))
        let all = try SigmaSnippet.rule("keywords:\n  '|all':\n    - alpha\n    - beta\ncondition: keywords")
        #expect(all.matches(SigmaSnippet.event(["A": "alpha"], message: "beta")))
        #expect(!all.matches(SigmaSnippet.event(["A": "alpha"])))
    }

    @Test func arraysMatchWhenAnyElementDoes() throws {
        try check(
            "sel: {Tags: b}\ncondition: sel",
            [(["Tags": .array(["a", "B"])], true), (["Tags": .array(["a", "c"])], false)])
    }

    @Test func base64AndBase64Offset() throws {
        // "whoami" is d2hvYW1p; shifted by one and two bytes, pySigma cuts dob2Fta and 3aG9hbW.
        try check("sel: {V|base64: whoami}\ncondition: sel", [(["V": "d2hvYW1p"], true), (["V": "d2hvYW1P"], true)])
        let rule = try SigmaSnippet.rule("sel: {V|base64offset|contains: whoami}\ncondition: sel")
        for encoded in ["cG93ZXJzaGVsbCB3aG9hbWk=", "IHdob2FtaQ==", "ICB3aG9hbWk="] {
            #expect(rule.matches(SigmaSnippet.event(["V": .string("x" + encoded)])), "\(encoded)")
        }
        #expect(!rule.matches(SigmaSnippet.event(["V": "d2hv"])))
        #expect(
            try SigmaSnippet.skipReason("sel: {V|base64: 'who*'}\ncondition: sel")?.contains("wildcards") == true)
    }

    @Test func utf16EncodingsBeforeBase64() throws {
        // "ab" as UTF-16LE is 61 00 62 00 → YQBiAA==; BE 00 61 00 62 → AGEAYg==; with BOM FF FE … → //5hAGIA.
        try check("sel: {V|wide|base64: ab}\ncondition: sel", [(["V": "YQBiAA=="], true)])
        try check("sel: {V|utf16le|base64: ab}\ncondition: sel", [(["V": "YQBiAA=="], true)])
        try check("sel: {V|utf16be|base64: ab}\ncondition: sel", [(["V": "AGEAYg=="], true)])
        try check("sel: {V|utf16|base64: ab}\ncondition: sel", [(["V": "//5hAGIA"], true)])
        let offsets = try SigmaSnippet.rule("sel: {V|wide|base64offset|contains: ping}\ncondition: sel")
        let encoded = Data("x ping".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }).base64EncodedString()
        #expect(offsets.matches(SigmaSnippet.event(["V": .string(encoded)])))
    }

    @Test func windashExpandsDashesAndSlashes() throws {
        try check(
            "sel: {CommandLine|contains|windash: ' -enc '}\ncondition: sel",
            [
                (["CommandLine": "ps /enc x"], true), (["CommandLine": "ps -enc x"], true),
                (["CommandLine": "ps \u{2013}enc x"], true), (["CommandLine": "ps \u{2014}ENC x"], true),
                (["CommandLine": "ps \u{2015}enc x"], true), (["CommandLine": "ps +enc x"], false),
            ])
        // Only a dash that starts a word after a non-word character is expanded.
        try check(
            "sel: {V|windash: 'a-b'}\ncondition: sel", [(["V": "a-b"], true), (["V": "a/b"], false)])
    }

    @Test func regexSearchesUnanchoredWithFlags() throws {
        try check(
            "sel: {V|re: 'ab+c'}\ncondition: sel",
            [(["V": "xxabbbcxx"], true), (["V": "ABC"], false), (["V": "ac"], false)])
        try check("sel: {V|re|i: '^abc$'}\ncondition: sel", [(["V": "ABC"], true), (["V": "xabc"], false)])
        try check("sel: {V|re|m: '^two$'}\ncondition: sel", [(["V": "one\ntwo\nthree"], true)])
        try check("sel: {V|re: 'a.b'}\ncondition: sel", [(["V": "a\nb"], false)])
        try check("sel: {V|re|s: 'a.b'}\ncondition: sel", [(["V": "a\nb"], true)])
        // Python syntax: named groups, `\Z`, `{,n}`, a literal brace.
        try check("sel: {V|re: '(?P<x>a)(?P=x)\\Z'}\ncondition: sel", [(["V": "zaa"], true), (["V": "aa\n"], false)])
        try check("sel: {V|re: '^a{,2}b{x}$'}\ncondition: sel", [(["V": "aab{x}"], true), (["V": "aaab{x}"], false)])
        #expect(try SigmaSnippet.skipReason("sel: {V|re: 'a(b'}\ncondition: sel")?.contains("bad regex") == true)
    }

    @Test func regexRunsWithinTheBudget() throws {
        let rule = try SigmaSnippet.rule("sel: {V|re: '(a+)+$'}\ncondition: sel")
        let started = Date()
        #expect(!rule.matches(SigmaSnippet.event(["V": .string(String(repeating: "a", count: 40_000) + "!")])))
        #expect(Date().timeIntervalSince(started) < 2)
    }

    @Test func cidrMatchesAsTheReferenceExpandsIt() throws {
        try check(
            "sel: {Ip|cidr: ['10.0.0.0/8', '172.16.0.0/12', '192.168.1.0/24', '1.2.3.4/32']}\ncondition: sel",
            [
                (["Ip": "10.1.2.3"], true), (["Ip": "172.31.0.1"], true), (["Ip": "172.32.0.1"], false),
                (["Ip": "192.168.1.77"], true), (["Ip": "192.168.2.1"], false), (["Ip": "1.2.3.4"], true),
                (["Ip": "11.0.0.1"], false),
            ])
        try check(
            "sel: {Ip|cidr: ['::1/128', 'fe80::/10', 'fc00::/7', '2001:db8::/32']}\ncondition: sel",
            [
                (["Ip": "::1"], true), (["Ip": "FE80::1"], true), (["Ip": "febf::1"], true), (["Ip": "fec0::1"], false),
                (["Ip": "fd12::1"], true), (["Ip": "2001:db8:1::1"], true), (["Ip": "2001:db9::1"], false),
            ])
        #expect(try SigmaCIDR.patterns("fe80::/10") == ["fe8*", "fe9*", "fea*", "feb*"])
        #expect(try SigmaCIDR.patterns("0.0.0.0/0") == ["*"])
        #expect(
            try SigmaSnippet.skipReason("sel: {Ip|cidr: '10.0.0.1/8'}\ncondition: sel")?.contains("host bits") == true)
    }

    @Test func numericComparisons() throws {
        try check(
            "sel: {N|gt: 10}\ncondition: sel",
            [(["N": 11], true), (["N": 10], false), (["N": "12.5"], true), (["N": "abc"], false), ([:], false)])
        try check("sel: {N|gte: 10}\ncondition: sel", [(["N": 10], true), (["N": 9], false)])
        try check("sel: {N|lt: 10}\ncondition: sel", [(["N": 9], true), (["N": 10], false)])
        try check("sel: {N|lte: 10}\ncondition: sel", [(["N": 10], true), (["N": .double(10.5)], false)])
        #expect(try SigmaSnippet.skipReason("sel: {N|gt: ten}\ncondition: sel")?.contains("needs a number") == true)
    }

    @Test func casedIsCaseSensitive() throws {
        try check(
            "sel: {V|cased|contains: Evil}\ncondition: sel", [(["V": "xEvilx"], true), (["V": "xevilx"], false)])
        try check("sel: {V|cased: 'A*b'}\ncondition: sel", [(["V": "Axxb"], true), (["V": "axxb"], false)])
    }

    @Test func expandUsesTheConfiguredPlaceholders() throws {
        let config = SigmaConfig(placeholders: ["admins": ["root", "adm*"]])
        try check(
            "sel: {User|expand: '%admins%'}\ncondition: sel",
            [(["User": "ROOT"], true), (["User": "admin"], true), (["User": "bob"], false)], config: config)
        let reason = try SigmaSnippet.skipReason("sel: {User|expand: '%nobody%'}\ncondition: sel")
        #expect(reason?.contains("%nobody%") == true)
        // Without `expand`, percent signs are literal.
        try check("sel: {User: '%admins%'}\ncondition: sel", [(["User": "%ADMINS%"], true)], config: config)
    }

    @Test func fieldrefComparesTwoFields() throws {
        try check(
            "sel: {ParentImage|fieldref: Image}\ncondition: sel",
            [
                (["Image": "a.exe", "ParentImage": "A.EXE"], true),
                (["Image": "a.exe", "ParentImage": "b.exe"], false),
                (["ParentImage": "a.exe"], false),
            ])
        try check(
            "sel: {Path|fieldref|endswith: Name}\ncondition: sel",
            [(["Name": "cmd.exe", "Path": "C:\\cmd.exe"], true), (["Name": "x", "Path": "y"], false)])
    }

    @Test func timeComponents() throws {
        let event: [String: JSONValue] = ["T": "2024-06-03T23:45:10+02:00"]
        try check("sel: {T|hour: 21}\ncondition: sel", [(event, true)])
        try check("sel: {T|minute: 45}\ncondition: sel", [(event, true)])
        try check("sel: {T|day: 3}\ncondition: sel", [(event, true)])
        try check("sel: {T|month: 6}\ncondition: sel", [(event, true)])
        try check("sel: {T|year: 2024}\ncondition: sel", [(event, true), (["T": "not a time"], false)])
        // 2024-06-03 is a Monday: week 23 as strftime('%W') counts (2024-01-01 was a Monday, week 1).
        try check("sel: {T|week: 23}\ncondition: sel", [(event, true)])
        try check("sel: {T|hour: 0}\ncondition: sel", [(["T": 1_717_200_000], true), (["T": "1717200000"], true)])
    }

    @Test func unknownModifiersAndBadItemsSkipTheRule() throws {
        #expect(
            try SigmaSnippet.skipReason("sel: {V|bogus: x}\ncondition: sel")?.contains("unknown modifier `bogus`")
                == true)
        #expect(try SigmaSnippet.skipReason("sel: {V|i: x}\ncondition: sel")?.contains("needs `re`") == true)
        #expect(try SigmaSnippet.skipReason("sel: {V|contains|re: x}\ncondition: sel")?.contains("first") == true)
        #expect(try SigmaSnippet.skipReason("sel: {V: []}\ncondition: sel")?.contains("empty list") == true)
        #expect(try SigmaSnippet.skipReason("sel: {V: {a: b}}\ncondition: sel") != nil)
    }
}
