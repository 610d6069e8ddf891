import Foundation

/// Makes analyst input safe for FTS5: bare terms holding punctuation (`10.0.0.5`, `/etc/passwd`,
/// `user@example.com`) become quoted phrases, so they search instead of failing. Quoted phrases,
/// `AND`/`OR`/`NOT`, parentheses, `prefix*` and `column:` filters keep their FTS5 meaning.
enum FTSQuery {
    static func prepare(_ input: String) -> String {
        var output: [String] = []
        var index = input.startIndex
        while index < input.endIndex {
            let character = input[index]
            if character.isWhitespace {
                index = input.index(after: index)
            } else if character == "\"" {
                // Keep a quoted phrase as written (an unterminated one is left for FTS5 to reject).
                var end = input.index(after: index)
                while end < input.endIndex, input[end] != "\"" { end = input.index(after: end) }
                if end < input.endIndex { end = input.index(after: end) }
                output.append(String(input[index..<end]))
                index = end
            } else if character == "(" || character == ")" {
                output.append(String(character))
                index = input.index(after: index)
            } else {
                var end = index
                while end < input.endIndex, !input[end].isWhitespace, !"()\"".contains(input[end]) {
                    end = input.index(after: end)
                }
                output.append(term(String(input[index..<end])))
                index = end
            }
        }
        return output.joined(separator: " ")
    }

    private static func isBareword(_ text: Substring) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0.value > 127
            }
    }

    private static func term(_ word: String) -> String {
        if ["AND", "OR", "NOT"].contains(word) { return word }
        var core = Substring(word)
        var suffix = ""
        if core.hasSuffix("*"), core.count > 1 {
            core = core.dropLast()
            suffix = "*"
        }
        if isBareword(core) { return word }
        // `message:term` column filter.
        if let colon = core.firstIndex(of: ":"), ["message", "fields"].contains(core[..<colon]) {
            let rest = core[core.index(after: colon)...]
            if isBareword(rest) { return word }
            return "\(core[..<colon]) : \(quote(rest))\(suffix)"
        }
        return quote(core) + suffix
    }

    private static func quote(_ text: Substring) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
