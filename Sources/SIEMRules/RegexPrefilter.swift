/// Finds literals a regex cannot match without, so most events skip the regex engine entirely
/// (the idea behind RE2's and Hyperscan's prefilters, kept deliberately simple and conservative).
///
/// The result lists one needle per top-level alternative: if none is present, the regex cannot
/// match. `nil` means no safe prefilter was found and the regex must always run.
public enum RegexPrefilter {
    /// The shortest literal worth checking; shorter ones pass too often to pay for themselves.
    static let minimumLength = 3

    public static func needles(for pattern: String, caseInsensitive: Bool) -> [Needle]? {
        let scalars = Array(pattern.unicodeScalars)
        let folded = caseInsensitive || pattern.contains("(?i")
        if pattern.contains("(?x") || pattern.contains("\\Q") { return nil }
        var needles: [Needle] = []
        for alternative in splitTopLevel(scalars) {
            guard let literal = longestRequiredLiteral(alternative), literal.unicodeScalars.count >= minimumLength
            else {
                return nil
            }
            let needle = Needle(literal, ignoreCase: folded)
            if !needles.contains(needle) { needles.append(needle) }
        }
        return needles.isEmpty ? nil : needles
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

    /// The longest run of consecutive mandatory literal characters at the top level of a branch.
    static func longestRequiredLiteral(_ branch: ArraySlice<Unicode.Scalar>) -> String? {
        let scalars = Array(branch)
        var best = ""
        var run = ""
        func endRun() {
            if run.unicodeScalars.count > best.unicodeScalars.count { best = run }
            run = ""
        }
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
                var depth = 1
                var end = index + 1
                while end < scalars.count, depth > 0 {
                    if scalars[end] == "\\" {
                        end += 2
                        continue
                    }
                    if scalars[end] == "(" { depth += 1 }
                    if scalars[end] == ")" { depth -= 1 }
                    end += 1
                }
                next = end
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
            }
            index = next
        }
        endRun()
        return best.isEmpty ? nil : best
    }
}
