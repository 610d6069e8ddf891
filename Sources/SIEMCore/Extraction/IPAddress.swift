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
        var octets: [Int] = []
        octets.reserveCapacity(4)
        var current = -1
        var digits = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                if digits > 3 { return nil }
                current = (current < 0 ? 0 : current) * 10 + Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "."):
                guard current >= 0, current <= 255, octets.count < 3 else { return nil }
                octets.append(current)
                current = -1
                digits = 0
            default:
                return nil
            }
        }
        guard current >= 0, current <= 255, octets.count == 3 else { return nil }
        octets.append(current)
        return "\(octets[0]).\(octets[1]).\(octets[2]).\(octets[3])"
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
