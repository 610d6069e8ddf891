/// Finds literals a regex cannot match without, so most events skip the regex engine entirely
/// (the idea behind RE2's and Hyperscan's prefilters, kept deliberately simple and conservative).
///
/// The result lists the needles of the best requirement of each top-level alternative: if none is
/// present, the regex cannot match. `nil` means no safe prefilter was found and the regex must
/// always run. Each needle also carries the other ASCII requirements of its alternative
/// (`Needle.alsoRequired`): `(?i)union\s+select` needs `select`, and also `union`.
public enum RegexPrefilter {
    public static func needles(for pattern: String, caseInsensitive: Bool) -> [Needle]? {
        let folded = caseInsensitive || pattern.contains("(?i")
        if pattern.contains("(?x") || pattern.contains("\\Q") || pattern.contains("(?-i") { return nil }
        var needles: [Needle] = []
        for alternative in splitTopLevel(Array(pattern.unicodeScalars)) {
            guard let all = requirements(alternative), let best = best(of: all) else { return nil }
            let others = all.filter { $0 != best && $0.allSatisfy { literal in literal.utf8.allSatisfy { $0 < 0x80 } } }
                .map { requirement in requirement.map { Needle($0, ignoreCase: folded) } }
            for literal in best {
                var needle = Needle(literal, ignoreCase: folded)
                needle.alsoRequired = others
                if let existing = needles.firstIndex(of: needle) {
                    // The same literal from two alternatives: it alone must decide (no extras).
                    if needles[existing].alsoRequired != others { needles[existing].alsoRequired = [] }
                } else {
                    needles.append(needle)
                }
            }
        }
        return needles.isEmpty ? nil : needles
    }

    /// One required literal per top-level alternative of `scalars`, or nil.
    static func requiredLiterals(_ scalars: ArraySlice<Unicode.Scalar>) -> [String]? {
        var literals: [String] = []
        for alternative in splitTopLevel(Array(scalars)) {
            guard let best = bestRequirement(alternative) else { return nil }
            literals += best
        }
        return literals.isEmpty ? nil : literals
    }

    /// Scores a requirement: the shortest of its literals, then fewer alternatives.
    static func isBetter(_ candidate: [String], than current: [String]?) -> Bool {
        guard let current else { return true }
        let candidateShortest = candidate.map(\.unicodeScalars.count).min() ?? 0
        let currentShortest = current.map(\.unicodeScalars.count).min() ?? 0
        if candidateShortest != currentShortest { return candidateShortest > currentShortest }
        return candidate.count < current.count
    }

    /// Splits on `|` outside groups and classes.
    static func splitTopLevel(_ scalars: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var parts: [ArraySlice<Unicode.Scalar>] = []
        var depth = 0
        var start = 0
        var index = 0
        var inClass = false
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\" {
                index += 2
                continue
            }
            if inClass {
                if scalar == "]" { inClass = false }
            } else if scalar == "[" {
                inClass = true
                // A `]` right after `[` or `[^` is a literal member.
                if index + 1 < scalars.count, scalars[index + 1] == "^" { index += 1 }
                if index + 1 < scalars.count, scalars[index + 1] == "]" { index += 1 }
            } else if scalar == "(" {
                depth += 1
            } else if scalar == ")" {
                depth -= 1
            } else if scalar == "|", depth == 0 {
                parts.append(scalars[start..<index])
                start = index + 1
            }
            index += 1
        }
        parts.append(scalars[start..<scalars.count])
        return parts
    }

    /// The best requirement of a branch: its longest run of consecutive mandatory literal
    /// characters, or a mandatory group whose every alternative has one (`(powershell|pwsh)`).
    static func bestRequirement(_ branch: ArraySlice<Unicode.Scalar>) -> [String]? {
        requirements(branch).flatMap(best(of:))
    }

    /// The best of several requirements (`isBetter`), the first of equals.
    static func best(of requirements: [[String]]) -> [String]? {
        var best: [String]?
        for requirement in requirements where isBetter(requirement, than: best) { best = requirement }
        return best
    }

    /// Every requirement of a branch, in order: each run of consecutive mandatory literal
    /// characters, and each mandatory group whose every alternative has one; nil when the branch
    /// cannot be read safely.
    static func requirements(_ branch: ArraySlice<Unicode.Scalar>) -> [[String]]? {
        let scalars = Array(branch)
        var found: [[String]] = []
        var run = ""
        func endRun() {
            if !run.isEmpty { found.append([run]) }
            run = ""
        }
        var groupRequirement: [String]?
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            var literal: Unicode.Scalar?
            var next = index + 1
            switch scalar {
            case "\\":
                guard index + 1 < scalars.count else { return nil }
                let escaped = scalars[index + 1]
                next = index + 2
                if escaped.properties.isAlphabetic || ("0"..."9").contains(escaped) {
                    literal = nil  // a class, an assertion or a back-reference
                } else {
                    literal = escaped
                }
            case "[":
                var end = index + 1
                if end < scalars.count, scalars[end] == "^" { end += 1 }
                if end < scalars.count, scalars[end] == "]" { end += 1 }
                while end < scalars.count, scalars[end] != "]" {
                    end += scalars[end] == "\\" ? 2 : 1
                }
                next = end + 1
            case "(":
                // The group ends at its matching `)`; parentheses inside a character class
                // (`[\s+)]`) are members, not group syntax.
                var depth = 1
                var end = index + 1
                var inClass = false
                while end < scalars.count, depth > 0 {
                    if scalars[end] == "\\" {
                        end += 2
                        continue
                    }
                    if inClass {
                        if scalars[end] == "]" { inClass = false }
                    } else if scalars[end] == "[" {
                        inClass = true
                        if end + 1 < scalars.count, scalars[end + 1] == "^" { end += 1 }
                        if end + 1 < scalars.count, scalars[end + 1] == "]" { end += 1 }
                    } else if scalars[end] == "(" {
                        depth += 1
                    } else if scalars[end] == ")" {
                        depth -= 1
                    }
                    end += 1
                }
                next = end
                groupRequirement = groupLiterals(scalars[(index + 1)..<max(index + 1, end - 1)])
            case ".", "^", "$":
                literal = nil
            case "*", "+", "?", "{", ")", "|":
                return nil  // a quantifier with nothing to quantify: leave it to the engine
            default:
                literal = scalar
            }
            // A quantifier after the atom decides whether it is mandatory and contiguous.
            var optional = false
            var repeated = false
            if next < scalars.count {
                switch scalars[next] {
                case "?", "*":
                    optional = true
                    next += 1
                case "+":
                    repeated = true
                    next += 1
                case "{":
                    var end = next + 1
                    var digits = ""
                    while end < scalars.count, ("0"..."9").contains(scalars[end]) {
                        digits.unicodeScalars.append(scalars[end])
                        end += 1
                    }
                    if !digits.isEmpty {
                        while end < scalars.count, scalars[end] != "}" { end += 1 }
                        optional = Int(digits) == 0
                        repeated = true
                        next = end + 1
                    }
                default: break
                }
                // Lazy or possessive marker after a quantifier.
                if (optional || repeated), next < scalars.count, scalars[next] == "?" || scalars[next] == "+" {
                    next += 1
                }
            }
            if let literal, !optional {
                run.unicodeScalars.append(literal)
                if repeated { endRun() }
            } else {
                endRun()
                if let required = groupRequirement, !optional, !required.isEmpty { found.append(required) }
            }
            groupRequirement = nil
            index = next
        }
        endRun()
        return found
    }

    /// The literals required by a group's content: plain and non-capturing groups only
    /// (lookarounds and inline-flag groups give none).
    static func groupLiterals(_ content: ArraySlice<Unicode.Scalar>) -> [String]? {
        var inner = content
        if inner.first == "?" {
            guard inner.dropFirst().first == ":" else { return nil }
            inner = inner.dropFirst(2)
        }
        return requiredLiterals(inner)
    }
}
