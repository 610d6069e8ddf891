import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to a loopback port, for requests no HTTP client sends (absolute-form
/// targets, half-written heads, idle connections). Reads time out after `timeout` seconds. The
/// socket calls block, so the async forms run them on a dispatch thread, not on Swift's few
/// cooperative threads (which an in-process server under test needs).
public final class RawConnection: @unchecked Sendable {  // used by one test at a time
    public let descriptor: Int32

    public init(port: Int, timeout: TimeInterval = 5) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var seconds = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw Failure(description: "connect: \(errno)")
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes `text` as it is.
    public func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                // MSG_NOSIGNAL: writing to a connection the server closed must fail, not SIGPIPE.
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw Failure(description: "write: \(errno)") }
            offset += written
        }
    }

    /// What arrives until the peer closes, `limit` bytes have come, or a read times out.
    public func receive(limit: Int = 1 << 20) -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while data.count < limit {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            data += buffer[..<count]
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// True when the peer has closed the connection (a read returns end of file within `timeout`).
    public func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        return read(descriptor, &byte, 1) == 0
    }

    /// `send` off the cooperative threads.
    public func send(_ text: String) async throws {
        try await Self.blocking { try self.send(text) }
    }

    /// `receive` off the cooperative threads.
    public func receive(limit: Int = 1 << 20) async -> String {
        (try? await Self.blocking { self.receive(limit: limit) }) ?? ""
    }

    /// `isClosedByPeer` off the cooperative threads.
    public func isClosedByPeer() async -> Bool {
        (try? await Self.blocking { self.isClosedByPeer() }) ?? false
    }

    /// Opens a connection off the cooperative threads.
    public static func open(port: Int, timeout: TimeInterval = 5) async throws -> RawConnection {
        try await blocking { try RawConnection(port: port, timeout: timeout) }
    }

    private static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    deinit { close(descriptor) }
}
