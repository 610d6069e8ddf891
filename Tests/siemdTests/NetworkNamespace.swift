import Foundation
import SIEMAgent

#if canImport(Glibc)
    import Glibc
#endif

/// Network namespaces a test creates with `ip netns`, and work done inside them: a thread enters
/// the namespace with setns(2), so sockets it opens live there.
final class NetworkNamespace: @unchecked Sendable {  // immutable after init
    let name: String

    /// True when this process can create namespaces and run nftables in them.
    static var supported: Bool {
        geteuid() == 0 && ip != nil && FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft")
    }

    static var ip: String? {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    init(_ name: String) throws {
        self.name = name
        try Self.run(["netns", "add", name])
        try Self.run(["-n", name, "link", "set", "lo", "up"])
    }

    deinit { try? Self.run(["netns", "delete", name]) }

    /// Connects `self` and `other` with a veth pair and addresses each end.
    func link(to other: NetworkNamespace, _ localName: String, _ local: String, _ remoteName: String, _ remote: String)
        throws
    {
        try Self.run([
            "link", "add", localName, "netns", name, "type", "veth", "peer", "name", remoteName, "netns", other.name,
        ])
        try Self.run(["-n", name, "addr", "add", local, "dev", localName])
        try Self.run(["-n", other.name, "addr", "add", remote, "dev", remoteName])
        try Self.run(["-n", name, "link", "set", localName, "up"])
        try Self.run(["-n", other.name, "link", "set", remoteName, "up"])
    }

    struct CommandFailed: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ arguments: [String]) throws {
        try Command.run(ip ?? "/usr/sbin/ip", arguments)
    }

    /// `nft` inside this namespace.
    @discardableResult
    func nft(_ arguments: [String]) throws -> String {
        try Command.run(Self.ip ?? "/usr/sbin/ip", ["netns", "exec", name, "/usr/sbin/nft"] + arguments)
    }

    /// Runs `body` on a fresh thread inside this namespace.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let path = "/var/run/netns/\(name)"
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                // setns(2) through dlsym: the Glibc module does not export it.
                let setns = unsafeBitCast(dlsym(nil, "setns"), to: (@convention(c) (Int32, Int32) -> Int32).self)
                let descriptor = open(path, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0, setns(descriptor, 0x4000_0000) == 0 else {  // CLONE_NEWNET
                    continuation.resume(throwing: CommandFailed(description: "setns \(path) failed"))
                    return
                }
                close(descriptor)
                continuation.resume(with: Result { try body() })
            }
            thread.start()
        }
    }
}

/// Blocking socket helpers for use inside `NetworkNamespace.perform`.
enum Sockets {
    static func address(_ host: String, _ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    /// A listening TCP socket on `host:port`; the kernel completes handshakes without accept().
    static func listen(_ host: String, _ port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = address(host, port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, Glibc.listen(descriptor, 64) == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        return descriptor
    }

    /// A connected socket, or nil when the connection does not complete within `timeout` seconds.
    static func connect(_ host: String, _ port: Int, timeout: Int32 = 1) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var interval = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        var address = address(host, port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    static func reachable(_ host: String, _ port: Int) -> Bool {
        guard let descriptor = connect(host, port) else { return false }
        close(descriptor)
        return true
    }

    /// One HTTP/1.1 exchange (`Connection: close`); returns status and body.
    static func http(_ method: String, _ host: String, _ port: Int, _ path: String, body: String? = nil) throws
        -> (status: Int, body: String)
    {
        guard let descriptor = connect(host, port, timeout: 10) else { throw POSIXError(.ECONNREFUSED) }
        defer { close(descriptor) }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
        if let body {
            request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        } else {
            request += "\r\n"
        }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw POSIXError(.EPIPE) }
            sent += count
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let headerEnd = text.range(of: "\r\n\r\n"), text.hasPrefix("HTTP/1.1 "),
            let status = Int(text.dropFirst(9).prefix(3))
        else { throw POSIXError(.EBADMSG) }
        return (status, String(text[headerEnd.upperBound...]))
    }
}
