import Foundation
import SIEMCore

/// Reports listening TCP sockets and bound UDP sockets (from `/proc/net/*`) with the process that
/// owns each (matched by socket inode in `/proc/<pid>/fd`).
struct SocketCollector {
    struct Socket: Hashable {
        var proto: String
        var address: String
        var port: Int
        var inode: UInt64
    }

    private var known: [Socket: [String: JSONValue]] = [:]
    var count: Int { known.count }

    mutating func collect(now: Date) -> [JSONValue] {
        var sockets: [Socket] = []
        for proto in ["tcp", "tcp6", "udp", "udp6"] {
            sockets += Self.parse(proto: proto, ProcFS.read("/proc/net/\(proto)", limit: 16 << 20) ?? "")
        }
        let newSockets = sockets.filter { known[$0] == nil }
        let owners = newSockets.isEmpty ? [:] : Self.owners(of: Set(newSockets.map(\.inode)))
        var current: [Socket: [String: JSONValue]] = [:]
        var items: [JSONValue] = []
        for socket in sockets {
            if let seen = known[socket] {
                current[socket] = seen
                continue
            }
            var data: [String: JSONValue] = [
                "protocol": .string(socket.proto), "address": .string(socket.address), "port": .int(Int64(socket.port)),
                "inode": .int(Int64(socket.inode)),
            ]
            var owner = ""
            if let pid = owners[socket.inode] {
                let exe = ProcFS.readLink("/proc/\(pid)/exe") ?? ""
                data["pid"] = .int(Int64(pid))
                data["exe"] = .string(exe)
                data["process_name"] = .string(ProcFS.stat(pid)?.comm ?? "")
                data["cmdline"] = .string(ProcFS.commandLine(pid))
                owner = " pid=\(pid) exe=\(exe)"
            }
            current[socket] = data
            let endpoint =
                socket.address.contains(":") ? "[\(socket.address)]:\(socket.port)" : "\(socket.address):\(socket.port)"
            items.append(
                Telemetry.item(
                    "edr_listen_socket", now: now, data: data, message: "\(socket.proto) \(endpoint)\(owner)"))
        }
        for (socket, data) in known where current[socket] == nil {
            items.append(
                Telemetry.item(
                    "edr_listen_socket_closed", now: now, data: data,
                    message: "\(socket.proto) \(socket.address) port=\(socket.port)"))
        }
        known = current
        return items
    }

    /// Listening (TCP state 0A) or unconnected bound (UDP state 07) sockets of one `/proc/net` table.
    static func parse(proto: String, _ text: String) -> [Socket] {
        var result: [Socket] = []
        let wanted = proto.hasPrefix("tcp") ? "0A" : "07"
        for line in text.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: " ")
            guard columns.count > 9, columns[3] == wanted else { continue }
            let local = columns[1].split(separator: ":")
            guard local.count == 2, let port = Int(local[1], radix: 16), let inode = UInt64(columns[9]), inode != 0,
                let address = decodeAddress(String(local[0]))
            else { continue }
            if proto.hasPrefix("udp"), columns[2].split(separator: ":").last != "0000" { continue }
            result.append(Socket(proto: proto, address: address, port: port, inode: inode))
        }
        return result
    }

    /// `/proc/net` addresses are hex words in host (little-endian) byte order.
    static func decodeAddress(_ hex: String) -> String? {
        let digits = Array(hex.utf8)
        guard digits.count == 8 || digits.count == 32 else { return nil }
        var bytes: [UInt8] = []
        for offset in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[offset..<offset + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        switch bytes.count {
        case 4:
            return bytes.reversed().map(String.init).joined(separator: ".")
        case 16:
            var ordered: [UInt8] = []
            for word in 0..<4 { ordered += bytes[(word * 4)..<(word * 4 + 4)].reversed() }
            var groups: [String] = []
            for index in stride(from: 0, to: 16, by: 2) {
                groups.append(String(UInt16(ordered[index]) << 8 | UInt16(ordered[index + 1]), radix: 16))
            }
            return IPAddress.canonical(groups.joined(separator: ":"))
        default:
            return nil
        }
    }

    /// Which process holds each socket inode.
    static func owners(of inodes: Set<UInt64>) -> [UInt64: Int32] {
        var owners: [UInt64: Int32] = [:]
        for pid in ProcFS.pids() {
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { continue }
            for fd in fds {
                guard let target = ProcFS.readLink("/proc/\(pid)/fd/\(fd)"), target.hasPrefix("socket:["),
                    let inode = UInt64(target.dropFirst(8).dropLast()), inodes.contains(inode)
                else { continue }
                if owners[inode] == nil { owners[inode] = pid }
            }
            if owners.count == inodes.count { break }
        }
        return owners
    }
}
