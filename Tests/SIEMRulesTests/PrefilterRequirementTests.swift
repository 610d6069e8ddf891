import Foundation
import Testing

@testable import SIEMRules

/// The other literals a regex alternative requires (`Needle.alsoRequired`): they only ever skip
/// the engine where it could not have matched.
@Suite struct PrefilterRequirementTests {
    func needles(_ pattern: String, ci: Bool = false) -> [Needle] {
        RegexPrefilter.needles(for: pattern, caseInsensitive: ci) ?? []
    }

    func matches(_ pattern: String, _ value: String) -> Bool {
        let expression = try! NSRegularExpression(pattern: pattern)
        return expression.firstMatch(in: value, range: NSRange(location: 0, length: (value as NSString).length)) != nil
    }

    @Test func requirementsOfABranch() {
        let union = needles(#"(?i)union\s+select"#)
        #expect(union.map(\.text) == ["select"])
        #expect(union[0].alsoRequired.map { $0.map(\.text) } == [["union"]])
        let login = needles(#"\bAccepted (password|publickey) for root from"#)
        #expect(login.map(\.text) == [" for root from"])
        #expect(login[0].alsoRequired.map { $0.map(\.text) } == [["Accepted "], ["password", "publickey"]])
        // Each top-level alternative keeps its own requirements.
        let two = needles("abc+xyz|defg")
        #expect(two.map(\.text) == ["abc", "defg"])
        #expect(two[0].alsoRequired.map { $0.map(\.text) } == [["xyz"]])
        #expect(two[1].alsoRequired.isEmpty)
        // Optional parts require nothing.
        #expect(needles("(?:ab)?cdef")[0].alsoRequired.isEmpty)
    }

    @Test func aLiteralSharedByTwoAlternativesDecidesAlone() {
        let shared = needles("aa+select|bb+select")
        #expect(shared.map(\.text) == ["select"])
        #expect(shared[0].alsoRequired.isEmpty)
    }

    @Test func nonASCIIRequirementsAreLeftOut() {
        let found = needles("été+ abcdef", ci: true)
        #expect(found.map(\.text) == [" abcdef"])
        #expect(found[0].alsoRequired.isEmpty)
        let mixed = needles("ab+ü+cdefgh")
        #expect(mixed.map(\.text) == ["cdefgh"])
        #expect(mixed[0].alsoRequired.map { $0.map(\.text) } == [["ab"]])
    }

    @Test func admits() {
        let union = needles(#"(?i)union\s+select"#)[0]
        #expect(union.admits("id=1 UNION SELECT 1"))
        #expect(!union.admits("select a column"))
        #expect(!union.admits("nothing here"))
        // Non-ASCII text: the needle alone decides (ICU folds `ſ` to `s`, `ﬁ` to `fi`).
        #expect(union.admits("ünion select"))
    }

    /// On generated values, the prefilter with its requirements never rejects a value the regex
    /// matches.
    @Test func neverHidesAMatch() {
        let patterns = [
            #"(?i)union\s+select"#, #"\bAccepted (password|publickey) for root from"#,
            #"(?i)(?:'|%27)\s*(?:or|and)\s+\d+=\d+"#, "abc+xyz|defg", #"(?i)waitfor\s+delay\b|xp_cmdshell"#,
        ]
        let pieces = [
            "union", "UNION", "select", "Select", " ", "  ", "'", "%27", "or", "AND", "1=1", "abc", "abccxyz", "xyz",
            "defg", "Accepted ", "password", "publickey", " for root from", "waitfor", " delay", "xp_cmdshell", "ſ",
            "é", "\t",
        ]
        var generator = SystemRandomNumberGenerator()
        for pattern in patterns {
            let prefilter = needles(pattern)
            #expect(!prefilter.isEmpty)
            for _ in 0..<400 {
                var value = ""
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    value += pieces.randomElement(using: &generator)!
                }
                if matches(pattern, value) {
                    #expect(prefilter.contains { $0.admits(value) }, "\(pattern) on \(value.debugDescription)")
                }
            }
        }
    }
}
