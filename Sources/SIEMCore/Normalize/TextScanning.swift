/// Byte-wise searches on substrings: the normalizers look for ASCII markers, so comparing UTF-8
/// bytes is both correct and much cheaper than comparing characters.
extension Substring {
    func find(_ needle: String) -> Range<Index>? {
        utf8.firstRange(of: needle.utf8)
    }

    func has(_ needle: String) -> Bool { find(needle) != nil }

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

    /// Space-separated words, empty ones skipped.
    var words: [Substring] {
        split(separator: " ", omittingEmptySubsequences: true)
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
