import Foundation

/// A Sigma string value: literal text and wildcards, parsed as the Sigma specification (and
/// pySigma) writes it. `*` is any run and `?` one character; `\*`, `\?` and `\\` are a literal
/// star, question mark and backslash; a backslash before any other character, or at the end, is
/// itself a literal backslash (so `C:\Windows\` needs no doubling).
struct SigmaString: Sendable, Hashable {
    enum Part: Sendable, Hashable {
        case text(String)
        case many
        case one
        /// `%name%` under `expand`, replaced by the configuration's values.
        case placeholder(String)
    }

    var parts: [Part]
    /// The text as written, for `re` and `cidr`, which read it unparsed.
    var original: String
    /// The text parts hold bytes (one scalar U+0000…U+00FF each) after `utf16`/`utf16le`/`utf16be`/
    /// `wide`, for `base64`/`base64offset` to encode as they are.
    var isBinary = false

    init(parsing text: String) {
        original = text
        parts = []
        var literal = ""
        var escaped = false
        for character in text {
            if escaped {
                if character == "*" || character == "?" || character == "\\" {
                    literal.append(character)
                } else {
                    literal.append("\\")
                    literal.append(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "*" || character == "?" {
                if !literal.isEmpty { parts.append(.text(literal)) }
                literal = ""
                parts.append(character == "*" ? .many : .one)
            } else {
                literal.append(character)
            }
        }
        if escaped { literal.append("\\") }
        if !literal.isEmpty { parts.append(.text(literal)) }
    }

    init(parts: [Part], original: String = "") {
        self.parts = parts
        self.original = original
        merge()
    }

    var hasWildcards: Bool { parts.contains { $0 == .many || $0 == .one } }

    /// The text when the string is one literal (or empty).
    var plainText: String? {
        var text = ""
        for part in parts {
            guard case .text(let literal) = part else { return nil }
            text += literal
        }
        return text
    }

    /// The text as pySigma prints it: wildcards as `*`/`?`, literal ones escaped.
    var written: String {
        parts.map { part in
            switch part {
            case .text(let text):
                text.replacingOccurrences(of: "*", with: "\\*").replacingOccurrences(of: "?", with: "\\?")
            case .many: "*"
            case .one: "?"
            case .placeholder(let name): "%\(name)%"
            }
        }.joined()
    }

    mutating func merge() {
        var merged: [Part] = []
        for part in parts {
            if case .text(let next) = part, case .text(let previous)? = merged.last {
                merged[merged.count - 1] = .text(previous + next)
            } else if case .text(let text) = part, text.isEmpty {
                continue
            } else if part == .many, merged.last == .many {
                continue
            } else {
                merged.append(part)
            }
        }
        parts = merged
    }

    /// `contains`, `startswith`, `endswith`: a `*` before and/or after, unless one is there.
    func wrapped(before: Bool, after: Bool) -> SigmaString {
        var copy = self
        if before, copy.parts.first != .many { copy.parts.insert(.many, at: 0) }
        if after, copy.parts.last != .many { copy.parts.append(.many) }
        return copy
    }

    /// `expand`: `%name%` in the text parts becomes a placeholder (`\%` is a literal `%`).
    func withPlaceholders() -> SigmaString {
        var result: [Part] = []
        for part in parts {
            guard case .text(let text) = part else {
                result.append(part)
                continue
            }
            let scalars = Array(text.unicodeScalars)
            var literal = ""
            var index = 0
            while index < scalars.count {
                let scalar = scalars[index]
                if scalar == "\\", index + 1 < scalars.count, scalars[index + 1] == "%" {
                    literal += "%"
                    index += 2
                    continue
                }
                if scalar == "%", let end = scalars[(index + 1)...].firstIndex(of: "%"), end > index + 1,
                    scalars[(index + 1)..<end].allSatisfy({
                        $0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0)
                    })
                {
                    if !literal.isEmpty { result.append(.text(literal)) }
                    literal = ""
                    var name = ""
                    name.unicodeScalars.append(contentsOf: scalars[(index + 1)..<end])
                    result.append(.placeholder(name))
                    index = end + 1
                    continue
                }
                literal.unicodeScalars.append(scalar)
                index += 1
            }
            if !literal.isEmpty { result.append(.text(literal)) }
        }
        var copy = self
        copy.parts = result
        return copy
    }

    var placeholders: [String] {
        parts.compactMap { if case .placeholder(let name) = $0 { name } else { nil } }
    }

    /// Every string with each placeholder replaced by one of its values (all combinations).
    func expandingPlaceholders(_ values: (String) -> [SigmaString]) -> [SigmaString] {
        var results: [[Part]] = [[]]
        for part in parts {
            if case .placeholder(let name) = part {
                let choices = values(name)
                results = results.flatMap { prefix in choices.map { prefix + $0.parts } }
            } else {
                results = results.map { $0 + [part] }
            }
        }
        return results.map { SigmaString(parts: $0, original: original) }
    }

    /// `windash`: every `-` or `/` that starts a word after a non-word character (pySigma's
    /// `\B[-/]\b`) becomes each of `-`, `/`, en dash, em dash and horizontal bar, in all combinations.
    func windashVariants() -> [SigmaString] {
        let dashes: [String] = ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"]
        var results: [[Part]] = [[]]
        for part in parts {
            guard case .text(let text) = part else {
                results = results.map { $0 + [part] }
                continue
            }
            let characters = Array(text)
            var pieces: [[String]] = [[""]]
            for (index, character) in characters.enumerated() {
                let isWord: (Character) -> Bool = { $0.isLetter || $0.isNumber || $0 == "_" }
                let before = index > 0 ? isWord(characters[index - 1]) : false
                let after = index + 1 < characters.count ? isWord(characters[index + 1]) : false
                if (character == "-" || character == "/") && !before && after {
                    pieces.append(dashes)
                    pieces.append([""])
                } else {
                    pieces[pieces.count - 1][0].append(character)
                }
            }
            var texts: [String] = [""]
            for choices in pieces { texts = texts.flatMap { prefix in choices.map { prefix + $0 } } }
            results = results.flatMap { prefix in texts.map { prefix + [.text($0)] } }
        }
        return results.map { SigmaString(parts: $0, original: original) }
    }

    /// The bytes `base64` encodes: the binary parts as they are, else the UTF-8 of the text.
    var bytes: [UInt8] {
        let text = plainText ?? ""
        return isBinary ? text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) } : Array(text.utf8)
    }

    /// `utf16le`/`wide`, `utf16be`, `utf16` (little-endian with a byte order mark).
    func utf16(bigEndian: Bool, byteOrderMark: Bool) -> SigmaString {
        var copy = self
        var first = true
        copy.parts = parts.map { part in
            guard case .text(let text) = part else { return part }
            var bytes: [UInt8] = []
            if byteOrderMark && first { bytes = [0xFF, 0xFE] }
            first = false
            for unit in text.utf16 {
                let high = UInt8(unit >> 8)
                let low = UInt8(unit & 0xFF)
                bytes += bigEndian ? [high, low] : [low, high]
            }
            var encoded = ""
            encoded.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
            return .text(encoded)
        }
        copy.isBinary = true
        return copy
    }

    /// `base64`: the bytes encoded.
    func base64() -> SigmaString {
        SigmaString(parts: [.text(Data(bytes).base64EncodedString())])
    }

    /// `base64offset`: the three encodings of the bytes at offsets 0, 1 and 2 within a base64
    /// group, without the characters that depend on what surrounds them.
    func base64Offsets() -> [SigmaString] {
        let data = bytes
        let starts = [0, 2, 3]
        let endCuts = [0, 3, 2]
        return (0..<3).map { shift in
            let encoded = Array((Data(repeating: 0x20, count: shift) + Data(data)).base64EncodedString().utf8)
            let end = encoded.count - endCuts[(data.count + shift) % 3]
            let start = min(starts[shift], end)
            return SigmaString(parts: [.text(String(decoding: encoded[start..<end], as: UTF8.self))])
        }
    }
}
