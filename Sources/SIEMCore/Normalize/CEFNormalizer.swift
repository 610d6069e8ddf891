import Foundation

/// ArcSight Common Event Format (`log_type` `cef`), alone or after a syslog header:
/// `CEF:Version|Vendor|Product|Version|Signature ID|Name|Severity|key=value …`.
///
/// Header `\|` and `\\` and extension `\=`, `\\`, `\n`, `\r` escapes are undone; a dangling `\`
/// at the end is kept and flagged `cef_dangling_escape`. An extension key is a run of key
/// characters after a space and before an unescaped `=`, so a value holding ` src\=1.2.3.4` stays
/// one value; a key written twice (a producer that did not escape `=` in a value) keeps its first
/// value in `cef.extensions.<key>`, sets no ECS key (either could be the forged one) and is flagged
/// `cef_duplicate_key`. The record starts at `CEF:` at the start of the message or after a
/// forwarder's time, host or `tag:`, never inside another message's text. Keys: `observer.vendor`,
/// `observer.product`, `observer.version`, `event.code` (signature ID), `cef.name`,
/// `event.severity` (0–10; Low/Medium/High/Very-High become 3/5/8/10), every extension as
/// `cef.extensions.<key>`, and the common extensions under their ECS names (`src` → `source.ip`,
/// `dpt` → `destination.port`, `suser` → `user.name`, `duser` → `user.target.name`, `act` →
/// `event.action`, `request` → `url.original`, `fileHash` → `file.hash.md5|sha1|sha256`, …).
enum CEFNormalizer {
    static func normalize(_ body: Substring, into record: inout NormalizedRecord) -> Bool {
        guard let start = recordStart(body) else { return false }
        var cursor = ByteCursor(body[start...])
        var header: [String] = []
        var current: [UInt8] = []
        while header.count < 7, let byte = cursor.peek {
            cursor.advance()
            if byte == UInt8(ascii: "\\"), let next = cursor.peek,
                next == UInt8(ascii: "|") || next == UInt8(ascii: "\\")
            {
                current.append(next)
                cursor.advance()
            } else if byte == UInt8(ascii: "|") {
                header.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(byte)
            }
        }
        guard header.count == 7 else {
            record.flag("cef_truncated_header")
            return false
        }
        record.set("cef.version", header[0])
        record.set("observer.vendor", header[1])
        record.set("observer.product", header[2])
        record.set("observer.version", header[3])
        record.set("event.code", header[4])
        record.set("cef.name", header[5])
        if let severity = severity(header[6]) { record.set("event.severity", .int(severity)) }
        let pairs = extensions(cursor.rest, record: &record)
        var seen = Set<String>(minimumCapacity: pairs.count)
        var repeated = Set<String>()
        for (key, _) in pairs where !seen.insert(key).inserted { repeated.insert(key) }
        if repeated.isEmpty {
            for (key, value) in pairs {
                record.set("cef.extensions.\(key)", .string(value))
                map(key, value, into: &record)
            }
        } else {
            record.flag("cef_duplicate_key")
            for (key, value) in pairs.reversed() {
                record.set("cef.extensions.\(key)", .string(value))
                if !repeated.contains(key) { map(key, value, into: &record) }
            }
        }
        return true
    }

    /// The text after `CEF:` when the record starts the message, or follows a prefix of at most
    /// four time, address or host words (each holding a digit, `.` or `:`), or one `tag:` word.
    static func recordStart(_ body: Substring) -> Substring.Index? {
        guard let found = body.find("CEF:") else { return nil }
        let prefix = body[..<found.lowerBound].trimmed
        guard !prefix.isEmpty else { return found.upperBound }
        let words = prefix.words
        if words.count == 1, prefix.hasSuffix(":") || prefix.hasSuffix("|") { return found.upperBound }
        guard words.count <= 4 else { return nil }
        for word in words {
            var marked = false
            for byte in word.utf8 {
                switch byte {
                case UInt8(ascii: "="), UInt8(ascii: "\""), UInt8(ascii: "'"): return nil
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: ":"): marked = true
                default: break
                }
            }
            if !marked { return nil }
        }
        return found.upperBound
    }

    static func severity(_ text: String) -> Int64? {
        if let number = Int64(text), (0...10).contains(number) { return number }
        switch text.lowercased() {
        case "low": return 3
        case "medium": return 5
        case "high": return 8
        case "very-high", "very high", "critical": return 10
        default: return nil
        }
    }

    /// `key=value` pairs; a value runs to the space before the next unescaped `key=`.
    static func extensions(_ text: Substring, record: inout NormalizedRecord) -> [(String, String)] {
        let bytes = Array(text.utf8)
        var pairs: [(String, String)] = []
        var index = 0
        func keyEnd(at start: Int) -> Int? {
            var probe = start
            while probe < bytes.count {
                let byte = bytes[probe]
                if byte == UInt8(ascii: "=") { return probe > start ? probe : nil }
                let isKeyByte =
                    (byte >= 48 && byte <= 57) || ((byte | 0x20) >= 97 && (byte | 0x20) <= 122)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
                if !isKeyByte { return nil }
                probe += 1
            }
            return nil
        }
        while index < bytes.count {
            while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
            guard let equals = keyEnd(at: index) else { break }
            let key = String(decoding: bytes[index..<equals], as: UTF8.self)
            var value: [UInt8] = []
            var probe = equals + 1
            while probe < bytes.count {
                let byte = bytes[probe]
                if byte == UInt8(ascii: "\\") {
                    guard probe + 1 < bytes.count else {
                        record.flag("cef_dangling_escape")
                        value.append(byte)
                        probe += 1
                        break
                    }
                    let next = bytes[probe + 1]
                    switch next {
                    case UInt8(ascii: "n"): value.append(0x0A)
                    case UInt8(ascii: "r"): value.append(0x0D)
                    case UInt8(ascii: "="), UInt8(ascii: "\\"), UInt8(ascii: "|"): value.append(next)
                    default: value.append(contentsOf: [byte, next])
                    }
                    probe += 2
                    continue
                }
                if byte == UInt8(ascii: " "), keyEnd(at: probe + 1) != nil { break }
                value.append(byte)
                probe += 1
            }
            while value.last == UInt8(ascii: " ") { value.removeLast() }
            pairs.append((key, String(decoding: value, as: UTF8.self)))
            index = probe
        }
        return pairs
    }

    private static func map(_ key: String, _ value: String, into record: inout NormalizedRecord) {
        let text = Substring(value)
        switch key {
        case "src": record.setIP("source.ip", text)
        case "dst": record.setIP("destination.ip", text)
        case "c6a2": if !record.has("source.ip") { record.setIP("source.ip", text) }
        case "c6a3": if !record.has("destination.ip") { record.setIP("destination.ip", text) }
        case "spt": record.setInt("source.port", text)
        case "dpt": record.setInt("destination.port", text)
        case "smac": record.set("source.mac", text.lowercased())
        case "dmac": record.set("destination.mac", text.lowercased())
        case "shost": record.set("source.domain", text.lowercased())
        case "dhost": record.set("destination.domain", text.lowercased())
        case "suser": record.set("user.name", text)
        case "duser": record.set("user.target.name", text)
        case "dvchost": record.set("observer.hostname", text)
        case "dvc": record.setIP("observer.ip", text)
        case "proto": record.set("network.transport", FirewallNormalizer.transports[text] ?? text.lowercased())
        case "app": record.set("network.protocol", text.lowercased())
        case "act": record.set("event.action", text.lowercased())
        case "outcome": record.set("event.outcome", text.lowercased())
        case "msg": record.set("event.reason", text)
        case "request": record.set("url.original", text)
        case "requestMethod": record.set("http.request.method", text.uppercased())
        case "requestClientApplication": record.set("user_agent.original", text)
        case "fname": record.set("file.name", text)
        case "filePath": record.set("file.path", text)
        case "sproc": record.set("process.name", text)
        case "spid": record.setInt("process.pid", text)
        case "in": record.setInt("source.bytes", text)
        case "out": record.setInt("destination.bytes", text)
        case "fileHash":
            switch text.utf8.count {
            case 32: record.set("file.hash.md5", text.lowercased())
            case 40: record.set("file.hash.sha1", text.lowercased())
            case 64: record.set("file.hash.sha256", text.lowercased())
            default: break
            }
        case "rt", "end":
            if key == "end", record.time != nil { break }
            if let time = time(text, clock: record.clock) { record.time = time }
        default: break
        }
    }

    /// `rt`: epoch milliseconds, RFC 3339, or `Jan 17 2020 08:52:09` (local zone).
    static func time(_ text: Substring, clock: LogClock) -> Date? {
        if let epoch = Double(text) { return Timestamp.fromEpoch(epoch) }
        if let date = clock.rfc3339(text) { return date }
        var cursor = ByteCursor(text)
        return cursor.legacyTimestamp(clock: clock) ?? nil
    }
}
