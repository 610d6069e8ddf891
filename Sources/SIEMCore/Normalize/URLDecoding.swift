/// Decoding of what clients encode in URLs, user agents and referrers, for detection: the access
/// log's own escapes (`\x22`, `\"`, `\\` as nginx and Apache write them) once, then `%XX` (and
/// IIS's `%uHHHH`) repeatedly while a round still changes something, up to `maxRounds`
/// (`..%252f` is `../` after two), `+` as a space in the first round of a query.
///
/// Nothing is dropped: an invalid escape stays as written, a decoded NUL is written `%00`, bytes
/// that are not UTF-8 are written back as `%XX`, and overlong UTF-8 forms of ASCII (`%c0%af`, how
/// IIS was fooled into `/`) become the character they spell. `Findings` says which of these
/// happened, for `log.flags`.
enum URLDecoding {
    struct Findings: OptionSet {
        let rawValue: UInt8
        /// More than one round changed the text.
        static let doubleEncoded = Findings(rawValue: 1 << 0)
        static let nul = Findings(rawValue: 1 << 1)
        /// Other control characters (kept as decoded, so that `\s` in a rule matches `%09`).
        static let controlCharacters = Findings(rawValue: 1 << 2)
        static let overlongUTF8 = Findings(rawValue: 1 << 3)
        static let invalidUTF8 = Findings(rawValue: 1 << 4)
        static let percentU = Findings(rawValue: 1 << 5)

        /// The `log.flags` names.
        var flags: [String] {
            let names: [(Findings, String)] = [
                (.doubleEncoded, "url_double_encoded"), (.nul, "url_nul_byte"),
                (.controlCharacters, "url_control_chars"),
                (.overlongUTF8, "url_overlong_utf8"), (.invalidUTF8, "url_invalid_utf8"), (.percentU, "url_percent_u"),
            ]
            return names.compactMap { contains($0.0) ? $0.1 : nil }
        }
    }

    static let maxRounds = 3

    /// The decoded text, or nil when there was nothing to decode (the text is its own decoding).
    static func decode(
        _ text: Substring, plusAsSpace: Bool = false, logEscapes: Bool = true, findings: inout Findings
    ) -> String? {
        let percent = UInt8(ascii: "%")
        let backslash = UInt8(ascii: "\\")
        let plus = UInt8(ascii: "+")
        guard
            text.utf8.contains(where: {
                $0 == percent || ($0 == backslash && logEscapes) || ($0 == plus && plusAsSpace) || $0 < 0x20
            })
        else { return nil }
        var bytes = Array(text.utf8)
        if logEscapes { bytes = logUnescaped(bytes) }
        var rounds = 0
        var first = true
        while rounds < maxRounds {
            guard let next = percentDecoded(bytes, plusAsSpace: plusAsSpace && first, findings: &findings) else {
                break
            }
            bytes = next
            rounds += 1
            first = false
        }
        if rounds > 1 { findings.insert(.doubleEncoded) }
        return visible(bytes, findings: &findings)
    }

    /// `\xHH`, `\"`, `\\`, `\n`, `\r`, `\t` undone; any other backslash kept.
    static func logUnescaped(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "\\")) else { return bytes }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < bytes.count else {
                output.append(byte)
                index += 1
                continue
            }
            let next = bytes[index + 1]
            switch next {
            case UInt8(ascii: "x") where index + 3 < bytes.count:
                if let high = hexValue(bytes[index + 2]), let low = hexValue(bytes[index + 3]) {
                    output.append(high << 4 | low)
                    index += 4
                } else {
                    output.append(byte)
                    index += 1
                }
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                output.append(next)
                index += 2
            case UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                output.append(next == UInt8(ascii: "n") ? 0x0A : next == UInt8(ascii: "r") ? 0x0D : 0x09)
                index += 2
            default:
                output.append(byte)
                index += 1
            }
        }
        return output
    }

    /// One round; nil when nothing changed.
    static func percentDecoded(_ bytes: [UInt8], plusAsSpace: Bool, findings: inout Findings) -> [UInt8]? {
        var output: [UInt8] = []
        var changed = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+"), plusAsSpace {
                if !changed { start(&output, bytes, index, &changed) }
                output.append(UInt8(ascii: " "))
                index += 1
                continue
            }
            guard byte == UInt8(ascii: "%") else {
                if changed { output.append(byte) }
                index += 1
                continue
            }
            if index + 2 < bytes.count, let high = hexValue(bytes[index + 1]),
                let low = hexValue(bytes[index + 2])
            {
                if !changed { start(&output, bytes, index, &changed) }
                output.append(high << 4 | low)
                index += 3
                continue
            }
            if index + 5 < bytes.count, bytes[index + 1] | 0x20 == UInt8(ascii: "u"),
                let scalar = unicodeEscape(bytes, at: index + 2)
            {
                if !changed { start(&output, bytes, index, &changed) }
                output.append(contentsOf: String(scalar).utf8)
                findings.insert(.percentU)
                index += 6
                continue
            }
            if changed { output.append(byte) }
            index += 1
        }
        return changed ? output : nil
    }

    /// Begins the output with the unchanged bytes before `index`.
    private static func start(_ output: inout [UInt8], _ bytes: [UInt8], _ index: Int, _ changed: inout Bool) {
        output.reserveCapacity(bytes.count)
        output.append(contentsOf: bytes[..<index])
        changed = true
    }

    private static func unicodeEscape(_ bytes: [UInt8], at start: Int) -> Unicode.Scalar? {
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let nibble = hexValue(bytes[start + offset]) else { return nil }
            value = value << 4 | UInt32(nibble)
        }
        return Unicode.Scalar(value)
    }

    /// The bytes as text: UTF-8 as is, NUL as `%00`, overlong ASCII as its character, any other
    /// byte that is not UTF-8 as `%XX`.
    static func visible(_ bytes: [UInt8], findings: inout Findings) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                if byte == 0 {
                    findings.insert(.nul)
                    output.append(contentsOf: "%00".utf8)
                } else {
                    if byte < 0x20 || byte == 0x7F { findings.insert(.controlCharacters) }
                    output.append(byte)
                }
                index += 1
                continue
            }
            let length = sequenceLength(bytes, at: index)
            if length > 0 {
                output.append(contentsOf: bytes[index..<index + length])
                index += length
            } else if let (ascii, length) = overlongASCII(bytes, at: index) {
                findings.insert(.overlongUTF8)
                if ascii == 0 {
                    findings.insert(.nul)
                    output.append(contentsOf: "%00".utf8)
                } else {
                    output.append(ascii)
                }
                index += length
            } else {
                findings.insert(.invalidUTF8)
                output.append(UInt8(ascii: "%"))
                output.append(hexDigit(byte >> 4))
                output.append(hexDigit(byte & 0x0F))
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The length of the well-formed UTF-8 sequence at `index` (2–4), or 0.
    private static func sequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: (length, low) = (3, 0xA0)
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: (length, high) = (3, 0x9F)
        case 0xF0: (length, low) = (4, 0x90)
        case 0xF1...0xF3: length = 4
        case 0xF4: (length, high) = (4, 0x8F)
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        for offset in 1..<length {
            let byte = bytes[index + offset]
            let (min, max) = offset == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard byte >= min, byte <= max else { return 0 }
        }
        return length
    }

    /// `C0 xx`/`C1 xx` and `E0 80–81 xx`: ASCII written in more bytes than UTF-8 allows.
    private static func overlongASCII(_ bytes: [UInt8], at index: Int) -> (UInt8, Int)? {
        let lead = bytes[index]
        func continuation(_ offset: Int) -> UInt8? {
            guard index + offset < bytes.count, bytes[index + offset] & 0xC0 == 0x80 else { return nil }
            return bytes[index + offset] & 0x3F
        }
        if lead == 0xC0 || lead == 0xC1, let low = continuation(1) { return ((lead & 0x01) << 6 | low, 2) }
        if lead == 0xE0, let middle = continuation(1), middle < 0x02, let low = continuation(2) {
            return (middle << 6 | low, 3)
        }
        return nil
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }
}
