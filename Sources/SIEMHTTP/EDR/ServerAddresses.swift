import Foundation
import SIEMCore

/// The addresses an agent reaches siemd on, which no `block_ip` may name: the bound host, or every
/// local interface address when siemd listens on all of them.
enum ServerAddresses {
    static func protected(host: String) -> Set<String> {
        guard let bound = IPAddress.canonical(host) else { return [] }
        guard bound == "0.0.0.0" || bound == "::" else { return [bound] }
        return Set(interfaceAddresses()).union([bound])
    }

    static func interfaceAddresses() -> [String] {
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
            if let canonical = IPAddress.canonical(text) { result.append(canonical) }
        }
        return result
    }
}
