#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Parsing and canonical forms of IP addresses (pure functions, no I/O).
public enum IPAddress {
    /// The canonical text of an IPv4 or IPv6 address (IPv6 in RFC 5952 compressed form),
    /// or nil when `text` is not an address.
    public static func canonical(_ text: some StringProtocol) -> String? {
        if let v4 = canonicalIPv4(text.utf8) { return v4 }
        guard text.contains(":") else { return nil }
        return canonicalIPv6(String(text))
    }

    /// Dotted-quad IPv4 with 1–3 digit octets ≤ 255; leading zeros are tolerated and dropped.
    static func canonicalIPv4(_ bytes: some Collection<UInt8>) -> String? {
        // Parsed and written on the stack: no array of octets, no string interpolation.
        var octets: (Int, Int, Int, Int) = (0, 0, 0, 0)
        var count = 0
        var current = -1
        var digits = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                if digits > 3 { return nil }
                current = (current < 0 ? 0 : current) * 10 + Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "."):
                guard current >= 0, current <= 255, count < 3 else { return nil }
                switch count {
                case 0: octets.0 = current
                case 1: octets.1 = current
                default: octets.2 = current
                }
                count += 1
                current = -1
                digits = 0
            default:
                return nil
            }
        }
        guard current >= 0, current <= 255, count == 3 else { return nil }
        octets.3 = current
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buffer in
            var length = 0
            func write(_ value: Int) {
                if value >= 100 {
                    buffer[length] = UInt8(truncatingIfNeeded: value / 100) + UInt8(ascii: "0")
                    length += 1
                }
                if value >= 10 {
                    buffer[length] = UInt8(truncatingIfNeeded: value / 10 % 10) + UInt8(ascii: "0")
                    length += 1
                }
                buffer[length] = UInt8(truncatingIfNeeded: value % 10) + UInt8(ascii: "0")
                length += 1
            }
            write(octets.0)
            buffer[length] = UInt8(ascii: ".")
            length += 1
            write(octets.1)
            buffer[length] = UInt8(ascii: ".")
            length += 1
            write(octets.2)
            buffer[length] = UInt8(ascii: ".")
            length += 1
            write(octets.3)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<length]), as: UTF8.self)
        }
    }

    static func canonicalIPv6(_ text: String) -> String? {
        // inet_pton reads a C string: text after a NUL would be ignored, not refused.
        guard !text.utf8.contains(0) else { return nil }
        var address = in6_addr()
        let parsed = text.withCString { inet_pton(AF_INET6, $0, &address) }
        guard parsed == 1 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
