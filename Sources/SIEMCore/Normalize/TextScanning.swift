#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte-wise searches on substrings: the normalizers look for ASCII markers, so comparing UTF-8
/// bytes is both correct and much cheaper than comparing characters.
extension Substring {
    /// The first occurrence of `needle`, searched in the contiguous UTF-8 bytes (the generic
    /// `firstRange(of:)` spent most of the normalizers' time in generic metadata lookups).
    func find(_ needle: String) -> Range<Index>? {
        let found: Int?? = utf8.withContiguousStorageIfAvailable { haystack -> Int? in
            needle.utf8.withContiguousStorageIfAvailable { pattern in Self.offset(of: pattern, in: haystack) }
                ?? Array(needle.utf8).withUnsafeBufferPointer { Self.offset(of: $0, in: haystack) }
        }
        let offset: Int?
        if let found {
            offset = found
        } else {
            offset = Array(needle.utf8).withUnsafeBufferPointer { pattern in
                Array(utf8).withUnsafeBufferPointer { Self.offset(of: pattern, in: $0) }
            }
        }
        guard let offset else { return nil }
        let start = utf8.index(utf8.startIndex, offsetBy: offset)
        return start..<utf8.index(start, offsetBy: needle.utf8.count)
    }

    /// `memchr` to each candidate first byte, then a byte comparison.
    private static func offset(of pattern: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Int?
    {
        guard let base = haystack.baseAddress, !pattern.isEmpty, haystack.count >= pattern.count else { return nil }
        let first = Int32(pattern[0])
        let last = haystack.count - pattern.count
        var start = 0
        while start <= last {
            guard let hit = memchr(base + start, first, last - start + 1) else { return nil }
            let candidate = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
            var matched = 1
            while matched < pattern.count, haystack[candidate + matched] == pattern[matched] { matched += 1 }
            if matched == pattern.count { return candidate }
            start = candidate + 1
        }
        return nil
    }

    func has(_ needle: String) -> Bool { find(needle) != nil }

    /// Whether the text has `needle`, as Foundation's `contains` compares (canonical equivalence):
    /// for ASCII text and needle that is a byte search.
    func containsText(_ needle: String) -> Bool {
        if isASCII, Substring(needle).isASCII { return has(needle) }
        return contains(needle)
    }

    /// The text without leading and trailing bytes of `set` (ASCII bytes only): what
    /// `trimmingCharacters(in:)` gives for a set of ASCII characters, since no byte of a longer
    /// UTF-8 sequence is ASCII.
    func trimmingBytes(_ set: [UInt8]) -> Substring {
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, set.contains(utf8[start]) { start = utf8.index(after: start) }
        while end > start, set.contains(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return self[start..<end]
    }

    func startsWith(_ prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }

    /// The text after the first `needle`.
    func after(_ needle: String) -> Substring? {
        find(needle).map { self[$0.upperBound...] }
    }

    /// The text before the first `needle`.
    func before(_ needle: String) -> Substring? {
        find(needle).map { self[..<$0.lowerBound] }
    }

    /// The text up to the first space (or the end).
    var firstWord: Substring {
        let end = utf8.firstIndex(of: UInt8(ascii: " ")) ?? endIndex
        return self[..<end]
    }

    /// The word that follows the first `needle`.
    func word(after needle: String) -> Substring? {
        after(needle)?.firstWord
    }

    /// Text with leading and trailing spaces removed.
    var trimmed: Substring {
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, utf8[start] == UInt8(ascii: " ") || utf8[start] == UInt8(ascii: "\t") {
            start = utf8.index(after: start)
        }
        while end > start {
            let before = utf8.index(before: end)
            guard
                utf8[before] == UInt8(ascii: " ") || utf8[before] == UInt8(ascii: "\t")
                    || utf8[before] == UInt8(ascii: "\r")
            else { break }
            end = before
        }
        return self[start..<end]
    }

    /// Space-separated words, empty ones skipped (as `split(separator: " ")` cuts characters).
    ///
    /// ASCII text is cut at its space bytes: there every byte is a character of its own (CR LF
    /// is one character, but never holds a space), so the result is the same; other text is left
    /// to the character-level split, where a combining mark joins a space to it.
    var words: [Substring] {
        guard isASCII else { return split(separator: " ", omittingEmptySubsequences: true) }
        var result: [Substring] = []
        var start = utf8.startIndex
        var index = start
        let end = utf8.endIndex
        while index < end {
            if utf8[index] == UInt8(ascii: " ") {
                if start < index { result.append(self[start..<index]) }
                index = utf8.index(after: index)
                start = index
            } else {
                index = utf8.index(after: index)
            }
        }
        if start < end { result.append(self[start..<end]) }
        return result
    }

    /// Whether every byte is ASCII.
    var isASCII: Bool {
        let fast: Bool? = utf8.withContiguousStorageIfAvailable { asciiOnly($0) }
        return fast ?? utf8.allSatisfy { $0 < 0x80 }
    }

    /// `prefix(count)`: the first `count` characters. When those are ASCII bytes other than CR
    /// (which pairs with LF) and the byte after them is ASCII too (no combining mark extends the
    /// last one), they are the first `count` bytes, taken without walking grapheme boundaries.
    func leadingCharacters(_ count: Int) -> Substring {
        let fast: Substring.Index?? = utf8.withContiguousStorageIfAvailable { bytes -> Substring.Index? in
            let length = Swift.min(count, bytes.count)
            for offset in 0..<length where bytes[offset] >= 0x80 || bytes[offset] == 0x0D { return nil }
            if length < bytes.count, bytes[length] >= 0x80 { return nil }
            return utf8.index(utf8.startIndex, offsetBy: length)
        }
        if let fast, let end = fast { return self[..<end] }
        return prefix(count)
    }

    /// `key=value` where the value runs to the next space; nil when the key is absent.
    func value(forKey key: String) -> Substring? {
        var search = self[...]
        while let range = search.find(key + "=") {
            if range.lowerBound == startIndex || self.utf8[utf8.index(before: range.lowerBound)] == UInt8(ascii: " ")
                || self.utf8[utf8.index(before: range.lowerBound)] == UInt8(ascii: ";")
            {
                return self[range.upperBound...].firstWord
            }
            search = self[range.upperBound...]
        }
        return nil
    }
}

/// Whether every byte of `bytes` is below 0x80, eight at a time.
func asciiOnly(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    let raw = UnsafeRawPointer(base)
    var index = 0
    while index + 8 <= bytes.count {
        if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
        index += 8
    }
    while index < bytes.count {
        if bytes[index] >= 0x80 { return false }
        index += 1
    }
    return true
}
