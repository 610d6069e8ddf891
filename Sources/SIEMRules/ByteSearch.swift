#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A literal to look for in UTF-8 text without allocating: exact (`memmem`) or ASCII
/// case-insensitive. Rules compile every `contains`/`equals`/prefix needle into one of these.
public struct Needle: Sendable, Hashable {
    /// The needle's bytes; lowercased when `ignoreCase`.
    let bytes: [UInt8]
    let ignoreCase: Bool
    /// The needle as written (lowercased when `ignoreCase`), for the non-ASCII fallback.
    let text: String

    /// Whether every byte is ASCII: ASCII folding is exact only for ASCII needles; others fall
    /// back to String lowercasing. Kept, not recomputed: every comparison reads it.
    let isASCII: Bool

    public init(_ text: String, ignoreCase: Bool) {
        let folded = ignoreCase ? text.lowercased() : text
        self.text = folded
        self.bytes = Array(folded.utf8)
        self.ignoreCase = ignoreCase
        self.isASCII = bytes.allSatisfy { $0 < 0x80 }
    }

    /// Whether `haystack` contains the needle.
    @inline(__always)
    func isFound(in haystack: String) -> Bool {
        if bytes.isEmpty { return true }
        if ignoreCase && !isASCII { return haystack.lowercased().contains(text) }
        var haystack = haystack
        return haystack.withUTF8 { buffer in
            ignoreCase ? Self.foldedSearch(buffer, bytes) : Self.exactSearch(buffer, bytes)
        }
    }

    @inline(__always)
    func isEqual(to value: String) -> Bool {
        if !ignoreCase { return value == text }
        if !isASCII { return value.lowercased() == text }
        var value = value
        return value.withUTF8 { buffer in
            buffer.count == bytes.count && zip(buffer, bytes).allSatisfy { Self.fold($0) == $1 }
        }
    }

    @inline(__always)
    func isPrefix(of value: String) -> Bool {
        if ignoreCase && !isASCII { return value.lowercased().hasPrefix(text) }
        var value = value
        return value.withUTF8 { buffer in
            buffer.count >= bytes.count
                && zip(buffer.prefix(bytes.count), bytes).allSatisfy { (ignoreCase ? Self.fold($0) : $0) == $1 }
        }
    }

    @inline(__always)
    func isSuffix(of value: String) -> Bool {
        if ignoreCase && !isASCII { return value.lowercased().hasSuffix(text) }
        var value = value
        return value.withUTF8 { buffer in
            buffer.count >= bytes.count
                && zip(buffer.suffix(bytes.count), bytes).allSatisfy { (ignoreCase ? Self.fold($0) : $0) == $1 }
        }
    }

    @inline(__always)
    static func fold(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    static func exactSearch(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        let count = needle.count
        guard haystack.count >= count, let base = haystack.baseAddress else { return false }
        return needle.withUnsafeBufferPointer { needleBuffer in
            let first = Int32(needle[0])
            var offset = 0
            let last = haystack.count - count
            // memchr finds candidates at memory speed; memcmp confirms them.
            while offset <= last {
                guard let hit = memchr(base + offset, first, last - offset + 1) else { return false }
                let position = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                if memcmp(base + position, needleBuffer.baseAddress!, count) == 0 { return true }
                offset = position + 1
            }
            return false
        }
    }

    static func foldedSearch(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        let count = needle.count
        guard haystack.count >= count else { return false }
        let first = needle[0]
        let firstUpper = first &- 0x61 < 26 ? first & ~0x20 : first
        var index = 0
        let last = haystack.count - count
        while index <= last {
            let byte = haystack[index]
            if byte == first || byte == firstUpper {
                var offset = 1
                while offset < count, fold(haystack[index + offset]) == needle[offset] { offset += 1 }
                if offset == count { return true }
            }
            index += 1
        }
        return false
    }
}
