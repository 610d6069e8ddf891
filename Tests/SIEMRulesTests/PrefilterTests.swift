import Foundation
import SIEMCore
import SIEMTestSupport
import Testing

@testable import SIEMRules

@Suite struct PrefilterTests {
    func literals(_ pattern: String, ci: Bool = false) -> [String]? {
        RegexPrefilter.needles(for: pattern, caseInsensitive: ci)?.map(\.text)
    }

    @Test func requiredLiteralsOfCommonShapes() {
        #expect(literals(#"\bAccepted (password|publickey) for root from"#) == [" for root from"])
        #expect(literals(#"COMMAND=(/usr)?/bin/su\s*$|USER=root"#) == ["COMMAND=", "USER=root"])
        #expect(literals("abc?def") == ["def"])
        #expect(literals("ab+cdef") == ["cdef"])
        #expect(literals(#"(?i)union\s+select"#, ci: false) == ["select"])
        #expect(literals(#"\$\{jndi:"#) == ["${jndi:"])
        #expect(literals("x{0,3}yyy") == ["yyy"])
        #expect(literals(#"(?i)\b(powershell|pwsh)(\.exe)?\b.*\s-e"#) == ["powershell", "pwsh"])
        #expect(literals(#"\$\{(\$\{[^}]*\}|[^}])*j"#) == ["${"])
        #expect(literals(#"(?:abc|(de|fgh)i)"#) == ["abc", "de", "fgh"])
        #expect(literals(#"\d+\.\d+"#) == ["."])
        #expect(literals("(?=abc)x") == ["x"])
        // Parentheses inside a class are members: the group still ends at its own `)`.
        #expect(literals(#"(?i)(cmd[\s+)]|sh[(])exec"#, ci: true) == ["exec"])
        #expect(literals(#"([)]x|y)zzz"#) == ["zzz"])
    }

    @Test func noPrefilterWhenABranchHasNoLiteral() {
        #expect(literals(#"\d+"#) == nil)
        #expect(literals("abcd|[0-9]+") == nil)
        #expect(literals("(?=abc)[a-z]") == nil)
        #expect(literals("(abc)?d*") == nil)
    }

    @Test func needleSearch() {
        #expect(Needle("Failed", ignoreCase: false).isFound(in: "sshd: Failed password"))
        #expect(!Needle("failed", ignoreCase: false).isFound(in: "sshd: Failed password"))
        #expect(Needle("FAILED", ignoreCase: true).isFound(in: "sshd: Failed password"))
        #expect(Needle("word", ignoreCase: true).isFound(in: "wowoWORD"))
        #expect(!Needle("long needle", ignoreCase: false).isFound(in: "short"))
        #expect(Needle("ÉTÉ", ignoreCase: true).isFound(in: "un été chaud"))
        #expect(Needle("root", ignoreCase: true).isEqual(to: "ROOT"))
        #expect(!Needle("root", ignoreCase: true).isEqual(to: "roots"))
        #expect(Needle("/BIN", ignoreCase: true).isPrefix(of: "/bin/sh"))
        #expect(Needle(".EXE", ignoreCase: true).isSuffix(of: "cmd.exe"))
        #expect(!Needle(".exe", ignoreCase: false).isSuffix(of: "cmd.EXE"))
    }

    /// On every line of the synthetic samples, a rule regex never matches a line its prefilter
    /// rejected.
    @Test func prefilterNeverHidesAMatchOnSyntheticSamples() throws {
        let (folder, files) = try SampleFiles.synthetic()
        #expect(files.count >= 8, "synthetic samples not found at \(folder.path)")
        let (checked, matched) = try replay(files, in: folder)
        #expect(matched > 50)
        #expect(checked > 10_000)
    }

    /// On every line of the real samples, a rule regex never matches a line its prefilter rejected.
    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func prefilterNeverHidesAMatchOnRealSamples() throws {
        let (folder, files) = try SampleFiles.shared()
        #expect(files.count >= 20, "shared samples not found at \(folder.path)")
        let (checked, matched) = try replay(files, in: folder)
        #expect(matched > 50)
        #expect(checked > 10_000)
    }

    /// Every line of `files` against every rule regex: how many (line, regex) pairs were checked
    /// and how many matched.
    func replay(_ files: [String], in folder: URL) throws -> (checked: Int, matched: Int) {
        let rules = try DefaultRules.load()
        var regexes: [(NSRegularExpression, [Needle])] = []
        func collect(_ condition: Condition) {
            switch condition {
            case .regex(_, let expression, let prefilter?): regexes.append((expression, prefilter))
            case .all(let list), .any(let list): list.forEach(collect)
            case .not(let inner): collect(inner)
            default: break
            }
        }
        for rule in rules.rules { collect(rule.condition) }
        #expect(regexes.count >= 8)
        var checked = 0
        var matched = 0
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let value = String(line)
                for (expression, prefilter) in regexes {
                    let hit =
                        expression.firstMatch(
                            in: value, range: NSRange(location: 0, length: (value as NSString).length))
                        != nil
                    if hit {
                        matched += 1
                        #expect(prefilter.contains { $0.isFound(in: value) }, "\(expression.pattern) on \(value)")
                    }
                    checked += 1
                }
            }
        }
        return (checked, matched)
    }
}
