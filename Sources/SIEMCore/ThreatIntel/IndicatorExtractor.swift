/// Finds domain names and file hashes in free text (pure, one pass over the UTF-8 bytes).
///
/// The text is cut into runs of `[A-Za-z0-9_.-]`. A run with a dot whose last label is a known
/// top-level domain is a domain candidate (lowercased, outer dots and hyphens trimmed), so host
/// names in URLs (`https://Evil.Example/x`), DNS questions and e-mail addresses are found while file
/// names such as `setup.exe` or `index.php` are not. Each alphanumeric piece of a run that is 32, 40
/// or 64 hexadecimal characters is an MD5, SHA-1 or SHA-256 candidate (lowercased). IP addresses are
/// found by `IPExtractor`.
public enum IndicatorExtractor {
    /// Calls `domain` with each domain candidate and `hash` with each hash candidate in `text`.
    /// `isTopLevelDomain` receives the lowercased last label and decides whether it is a TLD.
    public static func scan(
        _ text: String,
        isTopLevelDomain: (String) -> Bool = TopLevelDomains.contains,
        domain: (String) -> Void,
        hash: (IOCType, String) -> Void
    ) {
        var text = text
        text.withUTF8 { bytes in
            let count = bytes.count
            var index = 0
            while index < count {
                guard isDomainByte(bytes[index]) else {
                    index += 1
                    continue
                }
                let start = index
                var dots = 0
                while index < count, isDomainByte(bytes[index]) {
                    if bytes[index] == UInt8(ascii: ".") { dots += 1 }
                    index += 1
                }
                let run = UnsafeBufferPointer(rebasing: bytes[start..<index])
                if run.count >= 32 { hashes(in: run, hash) }
                if dots > 0, let name = domainCandidate(run, isTopLevelDomain) { domain(name) }
            }
        }
    }

    /// Every domain and hash candidate in `text`, for tests and tools.
    public static func extract(from text: String) -> (domains: [String], hashes: [String]) {
        var domains: [String] = []
        var hashes: [String] = []
        scan(text, domain: { domains.append($0) }, hash: { hashes.append($1) })
        return (domains, hashes)
    }

    @inline(__always) static func isDomainByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default: false
        }
    }

    @inline(__always) static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            true
        default: false
        }
    }

    @inline(__always) private static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    private static func hashes(in run: UnsafeBufferPointer<UInt8>, _ hash: (IOCType, String) -> Void) {
        var index = 0
        while index < run.count {
            while index < run.count, isSeparator(run[index]) { index += 1 }
            let start = index
            var allHex = true
            while index < run.count, !isSeparator(run[index]) {
                if allHex, !isHexDigit(run[index]) { allHex = false }
                index += 1
            }
            if allHex, let type = IOCType.hash(length: index - start) {
                hash(
                    type,
                    String(decoding: UnsafeBufferPointer(rebasing: run[start..<index]), as: UTF8.self).lowercased())
            }
        }
    }

    private static func domainCandidate(
        _ run: UnsafeBufferPointer<UInt8>, _ isTopLevelDomain: (String) -> Bool
    ) -> String? {
        var lower = 0
        var upper = run.count
        while lower < upper, isSeparator(run[lower]) { lower += 1 }
        while upper > lower, isSeparator(run[upper - 1]) { upper -= 1 }
        guard upper - lower >= 3, upper - lower <= 253 else { return nil }
        // The last label must be letters only (or an IDNA `xn--` label) and a known TLD.
        var tldStart = upper
        while tldStart > lower, run[tldStart - 1] != UInt8(ascii: ".") { tldStart -= 1 }
        guard tldStart > lower + 1, upper - tldStart >= 2 else { return nil }
        let tldBytes = UnsafeBufferPointer(rebasing: run[tldStart..<upper])
        let isIDNA =
            tldBytes.count > 4 && tldBytes[0] | 0x20 == UInt8(ascii: "x") && tldBytes[1] | 0x20 == UInt8(ascii: "n")
        guard isIDNA || tldBytes.allSatisfy({ ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") })
        else { return nil }
        guard isTopLevelDomain(String(decoding: tldBytes, as: UTF8.self).lowercased()) else { return nil }
        // No empty labels ("a..b").
        var previous: UInt8 = 0
        for byte in UnsafeBufferPointer(rebasing: run[lower..<upper]) {
            if byte == UInt8(ascii: "."), previous == UInt8(ascii: ".") { return nil }
            previous = byte
        }
        return String(decoding: UnsafeBufferPointer(rebasing: run[lower..<upper]), as: UTF8.self).lowercased()
    }
}
