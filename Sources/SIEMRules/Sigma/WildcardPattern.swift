/// A Sigma value with wildcards inside it (`*` any run, `?` one character), matched against the
/// whole text. Values that are plain, a prefix, a suffix or a substring compile to `Needle`
/// conditions instead; this is for the rest (`*\cmd*.exe`, `C:\?\x`).
///
/// Case-insensitive patterns of ASCII text compare ASCII letters folded, like `Needle`. A pattern
/// with non-ASCII text compares the Unicode lowercase mappings of both sides (`ÄRGER` matches
/// `ärger` here, where SQLite's `LIKE` and `NOCASE` fold ASCII only). The two differ only for the
/// few non-ASCII characters whose lowercase is ASCII (the Kelvin sign, capital I with dot).
public struct WildcardPattern: Sendable, Hashable {
    /// A byte (0…255), or `one`, or `many`; bytes are lowercased when `ignoreCase`.
    private let tokens: [Int16]
    let ignoreCase: Bool
    private let isASCII: Bool
    /// The longest run of literal text that the index can look for with ASCII folding.
    private let guardLiteral: String

    static let one: Int16 = -1
    static let many: Int16 = -2

    /// `parts` are literal runs and wildcards, in order.
    init(_ parts: [SigmaString.Part], ignoreCase: Bool) {
        var tokens: [Int16] = []
        var literals: [String] = []
        for part in parts {
            switch part {
            case .text(let text):
                let folded = ignoreCase ? text.lowercased() : text
                tokens += folded.utf8.map { Int16($0) }
                literals.append(folded)
            case .one: tokens.append(Self.one)
            case .many:
                if tokens.last != Self.many { tokens.append(Self.many) }
            case .placeholder(let name): tokens += "%\(name)%".utf8.map { Int16($0) }
            }
        }
        let ascii = tokens.allSatisfy { $0 < 0x80 }
        self.tokens = tokens
        self.ignoreCase = ignoreCase
        self.isASCII = ascii
        self.guardLiteral = Self.guardLiteral(literals, unicodeFolding: ignoreCase && !ascii)
    }

    /// The longest literal the index can search for. With Unicode folding a run qualifies when
    /// the lowercase of a text can hold it only where the text itself has it up to ASCII case:
    /// ASCII other than `i` and `k` (U+0130 and the Kelvin sign are the only characters whose
    /// lowercase holds ASCII letters, `i` and `k`), and characters without case (emoji, marks,
    /// format characters such as U+202E), which no other character lowercases to (except U+0307,
    /// the dot U+0130 lowercases to with an `i`).
    private static func guardLiteral(_ literals: [String], unicodeFolding: Bool) -> String {
        var best = ""
        for literal in literals {
            guard unicodeFolding else {
                if literal.utf8.count > best.utf8.count { best = literal }
                continue
            }
            var run = ""
            for scalar in literal.unicodeScalars {
                let safe =
                    scalar.isASCII
                    ? scalar != "i" && scalar != "k"
                    : !scalar.properties.changesWhenCaseMapped && scalar != "\u{0307}"
                if safe {
                    run.unicodeScalars.append(scalar)
                } else {
                    if run.utf8.count > best.utf8.count { best = run }
                    run = ""
                }
            }
            if run.utf8.count > best.utf8.count { best = run }
        }
        return best
    }

    /// A literal the value must contain for the pattern to match, found by the index's ASCII-folded
    /// search; nil when there is none.
    var guardNeedle: Needle? {
        guard !guardLiteral.isEmpty else { return nil }
        // The index folds ASCII itself; a run with caseless non-ASCII characters is searched
        // byte for byte.
        return Needle(guardLiteral, ignoreCase: ignoreCase && guardLiteral.utf8.allSatisfy { $0 < 0x80 })
    }

    public func matches(_ value: String) -> Bool {
        if ignoreCase && !isASCII {
            // The pattern holds non-ASCII text, which an ASCII value cannot contain.
            if value.utf8.allSatisfy({ $0 < 0x80 }) { return false }
            var folded = value.lowercased()
            return folded.withUTF8 { Self.match($0, tokens, fold: false) }
        }
        var value = value
        return value.withUTF8 { Self.match($0, tokens, fold: ignoreCase) }
    }

    /// Iterative wildcard matching with one backtrack point (the last `*`); `?` consumes one
    /// UTF-8 encoded scalar. Linear for patterns with one `*`, at worst value × pattern length.
    private static func match(_ value: UnsafeBufferPointer<UInt8>, _ tokens: [Int16], fold: Bool) -> Bool {
        var index = 0
        var position = 0
        var starPosition = -1
        var starIndex = 0
        while index < value.count {
            if position < tokens.count {
                let token = tokens[position]
                if token == many {
                    starPosition = position
                    starIndex = index
                    position += 1
                    continue
                }
                if token == one {
                    index += scalarLength(value[index])
                    position += 1
                    continue
                }
                let byte = fold ? Needle.fold(value[index]) : value[index]
                if byte == UInt8(token) {
                    index += 1
                    position += 1
                    continue
                }
            }
            guard starPosition >= 0 else { return false }
            starIndex += scalarLength(value[starIndex])
            index = starIndex
            position = starPosition + 1
        }
        while position < tokens.count, tokens[position] == many { position += 1 }
        return position == tokens.count && index == value.count
    }

    @inline(__always)
    private static func scalarLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...: 4
        case 0xE0...: 3
        case 0xC0...: 2
        default: 1
        }
    }
}
