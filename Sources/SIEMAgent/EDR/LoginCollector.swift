import Foundation
import SIEMCore

/// Reports interactive logins (USER_PROCESS records of utmp) that appeared or went away.
struct LoginCollector {
    struct Login: Hashable {
        var user: String
        var line: String
        var host: String
        var pid: Int32
        var loginTime: Int64
    }

    var path = "/var/run/utmp"
    private var known: Set<Login> = []
    var count: Int { known.count }

    mutating func collect(now: Date) -> [JSONValue] {
        let current = Set(Self.parse(FileManager.default.contents(atPath: path) ?? Data()))
        var items: [JSONValue] = []
        for login in current.subtracting(known) {
            items.append(
                Telemetry.item(
                    "edr_user_login", now: now, data: Self.data(login),
                    message: "user=\(login.user) tty=\(login.line) from=\(login.host)"))
        }
        for login in known.subtracting(current) {
            items.append(
                Telemetry.item(
                    "edr_user_logout", now: now, data: Self.data(login), message: "user=\(login.user) tty=\(login.line)"
                ))
        }
        known = current
        return items
    }

    static func data(_ login: Login) -> [String: JSONValue] {
        [
            "user": .string(login.user), "tty": .string(login.line), "remote_host": .string(login.host),
            "pid": .int(Int64(login.pid)), "login_time": .int(login.loginTime),
        ]
    }

    /// glibc's `struct utmp` on 64-bit Linux: 384 bytes per record.
    static func parse(_ data: Data) -> [Login] {
        let size = 384
        var logins: [Login] = []
        let bytes = [UInt8](data)
        var offset = 0
        func text(_ start: Int, _ length: Int) -> String {
            let slice = bytes[(start)..<(start + length)]
            return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
        }
        func int32(_ start: Int) -> Int32 {
            Int32(
                bitPattern: UInt32(bytes[start]) | UInt32(bytes[start + 1]) << 8 | UInt32(bytes[start + 2]) << 16
                    | UInt32(bytes[start + 3]) << 24)
        }
        while offset + size <= bytes.count {
            let type = Int16(bitPattern: UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)
            if type == 7 {  // USER_PROCESS
                logins.append(
                    Login(
                        user: text(offset + 44, 32), line: text(offset + 8, 32), host: text(offset + 76, 256),
                        pid: int32(offset + 4), loginTime: Int64(int32(offset + 340))))
            }
            offset += size
        }
        return logins
    }
}
