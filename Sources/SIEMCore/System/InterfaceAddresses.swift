#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The addresses of this machine's network interfaces (`getifaddrs`), numeric and canonical.
///
/// It asks the kernel for its interface table; no file or socket is opened, so SIEMCore stays free
/// of I/O. siemd uses it for the addresses `block_ip` may never name, the agent for what it reports.
public enum InterfaceAddresses {
    /// Every IPv4 and IPv6 interface address, loopback and link-local included, without repeats.
    public static func all() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var result: [String] = []
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr else { continue }
            let family = Int32(address.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let length = socklen_t(
                family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
            guard getnameinfo(address, length, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else {
                continue
            }
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let canonical = IPAddress.canonical(text), !result.contains(canonical) { result.append(canonical) }
        }
        return result
    }

    /// The addresses other machines can reach: neither loopback nor link-local.
    public static func routable() -> [String] {
        all().filter { !($0.hasPrefix("127.") || $0 == "::1" || $0.hasPrefix("fe80")) }
    }
}
