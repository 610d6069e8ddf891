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

    /// For a regex prefilter needle: the other literals its branch of the regex also requires, as
    /// a conjunction of alternatives (each inner list: one of these must occur). Empty for other
    /// needles. Not part of equality: the index treats needles as their bytes.
    var alsoRequired: [[Needle]] = []

    public init(_ text: String, ignoreCase: Bool) {
        let folded = ignoreCase ? text.lowercased() : text
        self.text = folded
        self.bytes = Array(folded.utf8)
        self.ignoreCase = ignoreCase
        self.isASCII = bytes.allSatisfy { $0 < 0x80 }
    }

    public static func == (lhs: Needle, rhs: Needle) -> Bool {
        lhs.bytes == rhs.bytes && lhs.ignoreCase == rhs.ignoreCase && lhs.text == rhs.text
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes)
        hasher.combine(ignoreCase)
    }

    /// Whether `haystack` may match the regex this prefilter needle belongs to: the needle occurs,
    /// and so does one literal of each of `alsoRequired`.
    ///
    /// The extra literals are ASCII (`RegexPrefilter` keeps no others) and are checked only on
    /// ASCII text: there ASCII case folding is exactly the engine's; on other text ICU's full case
    /// folding can match an ASCII literal with other characters (`ſ` for `s`, `ﬁ` for `fi`), so
    /// the needle alone decides, as it always did.
    @inline(__always)
    func admits(_ haystack: String) -> Bool {
        if alsoRequired.isEmpty { return isFound(in: haystack) }
        var haystack = haystack
        return haystack.withUTF8 { buffer in
            guard search(buffer) else { return false }
            guard Self.isASCII(buffer) else { return true }
            for requirement in alsoRequired where !requirement.contains(where: { $0.search(buffer) }) {
                return false
            }
            return true
        }
    }

    /// `isFound` on bytes; for an ASCII needle or an exact one.
    @inline(__always)
    private func search(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        if bytes.isEmpty { return true }
        if ignoreCase && !isASCII { return String(decoding: buffer, as: UTF8.self).lowercased().contains(text) }
        return ignoreCase ? Self.foldedSearch(buffer, bytes) : Self.exactSearch(buffer, bytes)
    }

    /// Whether every byte is below 0x80, eight at a time.
    static func isASCII(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var index = 0
        while index + 8 <= buffer.count {
            if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 {
                return false
            }
            index += 8
        }
        while index < buffer.count {
            if buffer[index] >= 0x80 { return false }
            index += 1
        }
        return true
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
