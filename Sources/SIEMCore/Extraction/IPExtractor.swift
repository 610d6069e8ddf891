/// Finds every IPv4 and IPv6 address in free text.
///
/// The scan walks the UTF-8 bytes once, cutting maximal runs of `[0-9A-Fa-f:.]`; each run is tried
/// as an IPv6 address, then its colon-separated parts as IPv4. Runs glued to letters on either side
/// (`v1.2.3.4x`) are not addresses. Results are canonical (`IPAddress.canonical`).
public enum IPExtractor {
    /// Appends the addresses found in `text` to `found`, skipping ones already in `seen`.
    public static func extract(from text: String, into found: inout [String], seen: inout Set<String>) {
        var text = text
        text.withUTF8 { scan($0, into: &found, seen: &seen) }
    }

    /// The addresses in `text`, canonical, deduplicated, in order of first appearance.
    public static func extract(from text: String) -> [String] {
        var found: [String] = []
        var seen: Set<String> = []
        extract(from: text, into: &found, seen: &seen)
        return found
    }

    private static func isRunByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"), UInt8(ascii: ":"), UInt8(ascii: "."):
            true
        default: false
        }
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "g")...UInt8(ascii: "z"), UInt8(ascii: "G")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    private static func scan(
        _ bytes: UnsafeBufferPointer<UInt8>,
        into found: inout [String],
        seen: inout Set<String>
    ) {
        let count = bytes.count
        var index = 0
        while index < count {
            guard isRunByte(bytes[index]) else {
                index += 1
                continue
            }
            let start = index
            var dots = 0
            var colons = 0
            var hasDigit = false
            while index < count, isRunByte(bytes[index]) {
                switch bytes[index] {
                case UInt8(ascii: "."): dots += 1
                case UInt8(ascii: ":"): colons += 1
                case UInt8(ascii: "0")...UInt8(ascii: "9"): hasDigit = true
                default: break
                }
                index += 1
            }
            let glued = (start > 0 && isWordByte(bytes[start - 1])) || (index < count && isWordByte(bytes[index]))
            guard !glued, dots + colons >= 2, hasDigit || colons >= 2 else { continue }
            var run = UnsafeBufferPointer(rebasing: bytes[start..<index])
            // A sentence may end right after an address: "from 10.0.0.5." or "addr fe80::1:".
            while let last = run.last, last == UInt8(ascii: "."), dots > 0 {
                run = UnsafeBufferPointer(rebasing: run.dropLast())
                dots -= 1
            }
            if colons >= 2, !looksLikeMAC(run), let v6 = IPAddress.canonicalIPv6(String(decoding: run, as: UTF8.self)) {
                add(v6, to: &found, seen: &seen)
                if v6.hasPrefix("::ffff:"), let v4 = IPAddress.canonicalIPv4(v6.utf8.dropFirst(7)) {
                    add(v4, to: &found, seen: &seen)
                }
                continue
            }
            guard dots >= 3 else { continue }
            // IPv4 addresses may be glued to ports or other parts by colons: "10.0.0.5:22".
            for part in run.split(separator: UInt8(ascii: ":")) {
                if let v4 = IPAddress.canonicalIPv4(part) { add(v4, to: &found, seen: &seen) }
            }
        }
    }

    /// `00:11:22:33:44:55:66:77`: colon-separated pairs without `::` are hardware addresses.
    private static func looksLikeMAC(_ run: UnsafeBufferPointer<UInt8>) -> Bool {
        var groupLength = 0
        for byte in run {
            if byte == UInt8(ascii: ":") {
                if groupLength != 2 { return false }
                groupLength = 0
            } else {
                groupLength += 1
            }
        }
        return groupLength == 2
    }

    private static func add(_ address: String, to found: inout [String], seen: inout Set<String>) {
        if seen.insert(address).inserted { found.append(address) }
    }
}

extension Event {
    /// Every IP address in the message, the sent fields and the normalized fields, in that order.
    public func extractedIPs() -> [String] {
        var found: [String] = []
        var seen: Set<String> = []
        IPExtractor.extract(from: message, into: &found, seen: &seen)
        // Only values that can hold an address are visited, in key order: the others add nothing.
        for key in fields.keys.filter({ IPExtractor.mayHoldAddress(fields[$0]!) }).sorted() {
            fields[key]!.forEachScalar { IPExtractor.extract(from: $0, into: &found, seen: &seen) }
        }
        for key in normalized.keys.filter({ IPExtractor.mayHoldAddress(normalized[$0]!) }).sorted() {
            normalized[key]!.forEachScalar { IPExtractor.extract(from: $0, into: &found, seen: &seen) }
        }
        return found
    }
}

extension IPExtractor {
    /// Whether `value` may hold an address: numbers and booleans never do (an address needs two
    /// dots or colons, a number's text has at most one dot), nor strings with fewer than two.
    static func mayHoldAddress(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): return mayHoldAddress(text)
        case .array, .object: return true
        case .int, .double, .bool, .null: return false
        }
    }

    /// Whether `text` has at least two `.` or `:` bytes, the least an address (or a run the scan
    /// tries) holds.
    static func mayHoldAddress(_ text: String) -> Bool {
        var marks = 0
        for byte in text.utf8 where byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":") {
            marks += 1
            if marks == 2 { return true }
        }
        return false
    }
}
