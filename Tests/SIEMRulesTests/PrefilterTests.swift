import Foundation
import SIEMCore
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

    /// On every line of the real samples, a rule regex never matches a line its prefilter rejected.
    @Test func prefilterNeverHidesAMatchOnRealSamples() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let rules = try RuleLoader.load(path: root.appendingPathComponent("rules/default.yml").path)
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
        let testdata = root.deletingLastPathComponent().appendingPathComponent("shared/testdata")
        let files = try #require(FileManager.default.enumerator(atPath: testdata.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".log") || $0.hasSuffix(".ndjson") || $0.hasSuffix(".json") }
            .filter { !$0.hasPrefix("sigma/") }
        #expect(files.count >= 20, "testdata not found at \(testdata.path)")
        var checked = 0
        var matched = 0
        for file in files {
            let text = try String(contentsOf: testdata.appendingPathComponent(file), encoding: .utf8)
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
        #expect(matched > 50)
        #expect(checked > 10_000)
    }
}
