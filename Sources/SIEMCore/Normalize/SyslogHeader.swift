import Foundation

/// The header of a syslog line: RFC 5424, RFC 3164 (BSD), or the same without a PRI as files
/// such as /var/log/auth.log hold it. `message` is what follows the tag.
struct SyslogHeader {
    var priority: Int?
    var version: Int?
    var time: Date?
    var hostname: Substring?
    var appName: Substring?
    var procID: Substring?
    var msgID: Substring?
    var structuredData: [(id: Substring, name: Substring, value: String)] = []
    var message: Substring
    /// Structured data that did not close; the rest of the line is kept as the message.
    var brokenStructuredData = false

    static let facilityNames = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
        "ntp", "security", "console", "solaris-cron", "local0", "local1", "local2", "local3", "local4", "local5",
        "local6", "local7",
    ]
    static let severityNames = [
        "emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug",
    ]

    /// The header of `line`, or nil when the line does not start like syslog.
    static func parse(_ line: Substring, clock: LogClock) -> SyslogHeader? {
        var cursor = ByteCursor(line)
        var priority: Int?
        if cursor.skip("<") {
            if let value = cursor.number(maxDigits: 3), value <= 191, cursor.skip(">") {
                priority = value
            } else {
                cursor = ByteCursor(line)
            }
        }
        if priority != nil {
            var probe = cursor
            if let version = probe.number(maxDigits: 2), version > 0, probe.skip(" ") {
                return rfc5424(priority: priority, version: version, cursor: probe, clock: clock)
            }
        }
        return rfc3164(priority: priority, cursor: cursor, clock: clock)
    }

    private static func rfc5424(priority: Int?, version: Int, cursor start: ByteCursor, clock: LogClock)
        -> SyslogHeader?
    {
        var cursor = start
        func token() -> Substring? {
            let rest = cursor.rest
            guard let space = rest.utf8.firstIndex(of: UInt8(ascii: " ")) else {
                cursor.index = rest.utf8.endIndex
                return rest.isEmpty ? nil : rest
            }
            cursor.index = rest.utf8.index(after: space)
            return rest[..<space]
        }
        func nilable(_ value: Substring?) -> Substring? { value == "-" ? nil : value }
        guard let stamp = token() else { return nil }
        var header = SyslogHeader(priority: priority, version: version, message: "")
        if stamp != "-" {
            guard let time = clock.rfc3339(stamp) else { return nil }
            header.time = time
        }
        header.hostname = nilable(token())
        header.appName = nilable(token())
        header.procID = nilable(token())
        header.msgID = nilable(token())
        if cursor.peek == UInt8(ascii: "-") {
            cursor.advance()
        } else if cursor.peek == UInt8(ascii: "[") {
            header.readStructuredData(&cursor)
        }
        _ = cursor.skip(" ")
        var message = cursor.rest
        if message.hasPrefix("\u{FEFF}") { message = message.dropFirst() }
        header.message = message
        return header
    }

    /// `[id name="value" …][id2 …]` with `\"`, `\\` and `\]` escaped in values.
    private mutating func readStructuredData(_ cursor: inout ByteCursor) {
        let bytes = cursor.text.utf8
        while cursor.peek == UInt8(ascii: "[") {
            cursor.advance()
            let idStart = cursor.index
            while let byte = cursor.peek, byte != UInt8(ascii: " "), byte != UInt8(ascii: "]") { cursor.advance() }
            let id = cursor.text[idStart..<cursor.index]
            while true {
                cursor.skipSpaces()
                guard let byte = cursor.peek else {
                    brokenStructuredData = true
                    return
                }
                if byte == UInt8(ascii: "]") {
                    cursor.advance()
                    break
                }
                let nameStart = cursor.index
                while let byte = cursor.peek, byte != UInt8(ascii: "="), byte != UInt8(ascii: " "),
                    byte != UInt8(ascii: "]")
                {
                    cursor.advance()
                }
                let name = cursor.text[nameStart..<cursor.index]
                guard cursor.skip("="), cursor.skip("\"") else {
                    brokenStructuredData = true
                    return
                }
                var value: [UInt8] = []
                var closed = false
                while cursor.index < bytes.endIndex {
                    let byte = bytes[cursor.index]
                    cursor.advance()
                    if byte == UInt8(ascii: "\\"), let next = cursor.peek,
                        next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") || next == UInt8(ascii: "]")
                    {
                        value.append(next)
                        cursor.advance()
                    } else if byte == UInt8(ascii: "\"") {
                        closed = true
                        break
                    } else {
                        value.append(byte)
                    }
                }
                guard closed else {
                    brokenStructuredData = true
                    return
                }
                structuredData.append((id, name, String(decoding: value, as: UTF8.self)))
            }
        }
    }

    private static func rfc3164(priority: Int?, cursor start: ByteCursor, clock: LogClock) -> SyslogHeader? {
        var cursor = start
        var header = SyslogHeader(priority: priority, message: "")
        var monthProbe = cursor
        if monthProbe.monthName() != nil {
            // A month name starts an RFC 3164 time: it must parse, or this is no such header.
            guard let time = cursor.legacyTimestamp(clock: clock) else { return nil }
            header.time = time  // nil for a well-formed but impossible date (Feb 30)
            if cursor.peek == UInt8(ascii: " "), cursor.text.utf8[cursor.index...].starts(with: " UTC".utf8) {
                cursor.index = cursor.text.utf8.index(cursor.index, offsetBy: 4)
            }
        } else if let digit = cursor.peek, digit >= 48, digit <= 57 {
            let rest = cursor.rest
            let end = rest.utf8.firstIndex(of: UInt8(ascii: " ")) ?? rest.utf8.endIndex
            guard let time = clock.rfc3339(rest[..<end]) else { return nil }
            header.time = time
            cursor.index = end
        } else if priority == nil {
            return nil
        }
        _ = cursor.skip(":")
        cursor.skipSpaces()
        header.readHostAndTag(&cursor)
        return header
    }

    private mutating func readHostAndTag(_ cursor: inout ByteCursor) {
        func nextToken(_ from: ByteCursor) -> (Substring, ByteCursor) {
            var probe = from
            let start = probe.index
            while let byte = probe.peek, byte != UInt8(ascii: " ") { probe.advance() }
            let token = probe.text[start..<probe.index]
            probe.skipSpaces()
            return (token, probe)
        }
        var (token, after) = nextToken(cursor)
        if !Self.isTag(token) {
            guard !token.isEmpty else {
                message = cursor.rest
                return
            }
            hostname = token
            cursor = after
            (token, after) = nextToken(cursor)
            // A relay's address between the host name and the tag (Infoblox).
            if IPAddress.canonicalIPv4(token.utf8) != nil {
                let (tag, afterTag) = nextToken(after)
                if Self.isTag(tag) {
                    token = tag
                    after = afterTag
                }
            }
        }
        guard Self.isTag(token) else {
            message = cursor.rest
            return
        }
        var name = token.dropLast()
        if name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
            procID = name[name.index(after: open)..<name.index(before: name.endIndex)]
            name = name[..<open]
        }
        appName = name
        message = after.rest
    }

    /// `sshd:`, `sshd[123]:`, `pop(pam_unix)[4920]:`: no more than 64 bytes, ending in a colon.
    private static func isTag(_ token: Substring) -> Bool {
        token.utf8.count >= 2 && token.utf8.count <= 64 && token.utf8.last == UInt8(ascii: ":")
            && token.utf8.first != UInt8(ascii: "[")
            && (!token.utf8.contains(UInt8(ascii: "=")) || !token.contains("="))
    }

    func apply(to record: inout NormalizedRecord) {
        if let priority {
            record.set("log.syslog.priority", .int(Int64(priority)))
            record.set("log.syslog.facility.code", .int(Int64(priority / 8)))
            record.set("log.syslog.facility.name", Self.facilityNames[priority / 8])
            record.set("log.syslog.severity.code", .int(Int64(priority % 8)))
            record.set("log.syslog.severity.name", Self.severityNames[priority % 8])
        }
        if let version { record.set("log.syslog.version", .int(Int64(version))) }
        if let hostname { record.set("host.hostname", hostname) }
        if let appName {
            record.set("process.name", appName)
            if version != nil { record.set("log.syslog.appname", appName) }
        }
        if let procID {
            if let pid = Int64(procID) {
                record.set("process.pid", .int(pid))
            } else {
                record.set("log.syslog.procid", procID)
            }
        }
        if let msgID { record.set("log.syslog.msgid", msgID) }
        for element in structuredData {
            record.set("log.syslog.structured_data.\(element.id).\(element.name)", .string(element.value))
        }
        if brokenStructuredData { record.flag("syslog_structured_data_unterminated") }
        if let time { record.time = time }
    }
}
