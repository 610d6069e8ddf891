import Foundation

/// Sigma `re` values: Python `re` syntax (what pySigma validates and the reference runs with
/// `re.search`), compiled for ICU's `NSRegularExpression`, unanchored.
enum SigmaRegex {
    struct Flags: OptionSet, Sendable, Hashable {
        let rawValue: UInt8
        static let ignoreCase = Flags(rawValue: 1)
        static let multiline = Flags(rawValue: 2)
        static let dotAll = Flags(rawValue: 4)
    }

    /// The compiled expression and the literals one of which it needs (for the prefilter and the
    /// index), or an error naming the pattern.
    static func compile(_ pattern: String, flags: Flags) throws(SigmaCompileError) -> (
        NSRegularExpression, [Needle]?
    ) {
        let translated = translate(pattern)
        var options: NSRegularExpression.Options = []
        if flags.contains(.ignoreCase) { options.insert(.caseInsensitive) }
        if flags.contains(.multiline) { options.insert(.anchorsMatchLines) }
        if flags.contains(.dotAll) { options.insert(.dotMatchesLineSeparators) }
        let expression: NSRegularExpression
        do {
            expression = try NSRegularExpression(pattern: translated, options: options)
        } catch {
            throw SigmaCompileError("bad regex `\(pattern)`: \(error.localizedDescription)")
        }
        return (expression, RegexPrefilter.needles(for: translated, caseInsensitive: flags.contains(.ignoreCase)))
    }

    /// Rewrites the Python constructs ICU spells differently: named groups `(?P<n>…)` and
    /// back-references `(?P=n)` (as the group's number, which the prefilter reads as no literal),
    /// `\Z` (end of text: ICU's `\z`), `{,n}` (`{0,n}`), a `{` that starts no quantifier (a literal
    /// in Python, an error in ICU), and `[` or `&` inside a class (literals in Python, set syntax in
    /// ICU).
    static func translate(_ pattern: String) -> String {
        let scalars = Array(pattern.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        var inClass = false
        var groups = 0
        var named: [String: Int] = [:]
        func append(_ text: String) { out.append(contentsOf: text.unicodeScalars) }
        func starts(_ text: String, at position: Int) -> Bool {
            let needle = Array(text.unicodeScalars)
            return position + needle.count <= scalars.count
                && Array(scalars[position..<(position + needle.count)]) == needle
        }
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\", index + 1 < scalars.count {
                let next = scalars[index + 1]
                if next == "Z" && !inClass {
                    append("\\z")
                } else {
                    out.append(scalar)
                    out.append(next)
                }
                index += 2
                continue
            }
            if inClass {
                if scalar == "]" {
                    inClass = false
                    out.append(scalar)
                } else if scalar == "[" || scalar == "&" {
                    out.append("\\")
                    out.append(scalar)
                } else {
                    out.append(scalar)
                }
                index += 1
                continue
            }
            switch scalar {
            case "[":
                inClass = true
                out.append(scalar)
                index += 1
                // A `]` first in the class (after an optional `^`) is a member.
                if index < scalars.count, scalars[index] == "^" {
                    out.append("^")
                    index += 1
                }
                if index < scalars.count, scalars[index] == "]" {
                    append("\\]")
                    index += 1
                }
            case "("
            where starts("(?P<", at: index)
                || (starts("(?<", at: index) && !starts("(?<=", at: index)
                    && !starts("(?<!", at: index)):
                groups += 1
                let nameStart = index + (starts("(?P<", at: index) ? 4 : 3)
                if let close = scalars[nameStart...].firstIndex(of: ">") {
                    var name = ""
                    name.unicodeScalars.append(contentsOf: scalars[nameStart..<close])
                    named[name] = groups
                }
                append("(?<")
                index = nameStart
            case "(" where starts("(?P=", at: index):
                guard let close = scalars[index...].firstIndex(of: ")") else {
                    out.append(scalar)
                    index += 1
                    continue
                }
                var name = ""
                name.unicodeScalars.append(contentsOf: scalars[(index + 4)..<close])
                append(named[name].map { "(?:\\\($0))" } ?? "\\k<\(name)>")
                index = close + 1
            case "(":
                if !starts("(?", at: index) { groups += 1 }
                out.append(scalar)
                index += 1
            case "{":
                // A quantifier is `{m}`, `{m,}`, `{m,n}` or Python's `{,n}`.
                var end = index + 1
                var digitsBefore = 0
                while end < scalars.count, ("0"..."9").contains(scalars[end]) {
                    end += 1
                    digitsBefore += 1
                }
                var comma = false
                var digitsAfter = 0
                if end < scalars.count, scalars[end] == "," {
                    comma = true
                    end += 1
                    while end < scalars.count, ("0"..."9").contains(scalars[end]) {
                        end += 1
                        digitsAfter += 1
                    }
                }
                let closes = end < scalars.count && scalars[end] == "}"
                if closes && digitsBefore > 0 {
                    out.append(contentsOf: scalars[index...end])
                    index = end + 1
                } else if closes && comma && digitsAfter > 0 {
                    append("{0")
                    out.append(contentsOf: scalars[(index + 1)...end])
                    index = end + 1
                } else {
                    append("\\{")
                    index += 1
                }
            case "}":
                append("\\}")
                index += 1
            default:
                out.append(scalar)
                index += 1
            }
        }
        return String(out)
    }
}
