/// Linux audit (auditd/SELinux) user records: `type=USER_AUTH msg=audit(1373129280.000:9): pid=1277
/// uid=0 … msg='op=pubkey acct="root" exe="/usr/sbin/sshd" hostname=? addr=194.228.20.113
/// terminal=ssh res=failed'`.
///
/// `event.action` is the record type (`user-auth`, `user-login`, `user-err`, `user-acct`,
/// `cred-acq`, `user-start`, …), `event.reason` its `op`, `event.outcome` from `res`; `acct`
/// (quoted or hex-encoded, as audit writes untrusted text) is `user.name`, `addr` (else
/// `hostname`) the source, `exe` `process.executable`. Fields come from inside `msg='…'` only.
extension AuthNormalizer {
    static func audit(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        guard let type = text.after(prefix: "type=")?.firstWord, !type.isEmpty else { return false }
        let name = type.lowercased()
        let session = name == "user_start" || name == "user_end" || name == "user_logout"
        record.set("event.category", session ? "session" : "authentication")
        record.set("event.action", String(name.map { $0 == "_" ? "-" : $0 }))
        if let stamp = text.after("msg=audit(")?.before(":"), let epoch = Double(stamp) {
            record.time = Timestamp.fromEpoch(epoch)
        }
        let fields = auditFields(text.after("msg='") ?? text.after("): ") ?? text)
        if let op = fields["op"], op != "?" { record.set("event.reason", op) }
        if let account = fields["acct"], account != "?" { record.set("user.name", account) }
        if let address = fields["addr"], address != "?", IPAddress.canonical(address.unmappedAddress) != nil {
            setSource(address, into: &record)
        } else if let host = fields["hostname"], host != "?" {
            setSource(host, into: &record)
        }
        if let exe = fields["exe"], exe != "?" { record.set("process.executable", exe) }
        if let result = fields["res"] {
            let outcome =
                result == "success" || result == "1"
                ? "success" : result == "failed" || result == "0" ? "failure" : "unknown"
            record.set("event.outcome", outcome)
        }
        return true
    }

    /// `key=value` pairs up to the closing `'`: values quoted (`"root"`) or bare; a bare value
    /// of an even number of hex digits in `acct` is audit's encoding of untrusted text. The first
    /// of each key wins.
    static func auditFields(_ text: Substring) -> [Substring: Substring] {
        var fields: [Substring: Substring] = [:]
        var cursor = ByteCursor(text)
        while cursor.peek != nil, cursor.peek != UInt8(ascii: "'") {
            cursor.skipSpaces()
            let keyStart = cursor.index
            while let byte = cursor.peek, byte != UInt8(ascii: "="), byte != UInt8(ascii: " "),
                byte != UInt8(ascii: "'")
            {
                cursor.advance()
            }
            let key = cursor.text[keyStart..<cursor.index]
            guard cursor.skip("=") else {
                if cursor.peek == UInt8(ascii: " ") { continue }
                break
            }
            var value: Substring
            if cursor.skip("\"") {
                let start = cursor.index
                while let byte = cursor.peek, byte != UInt8(ascii: "\"") { cursor.advance() }
                value = cursor.text[start..<cursor.index]
                _ = cursor.skip("\"")
            } else {
                let start = cursor.index
                while let byte = cursor.peek, byte != UInt8(ascii: " "), byte != UInt8(ascii: "'") { cursor.advance() }
                value = cursor.text[start..<cursor.index]
                if key == "acct", let decoded = hexDecoded(value) { value = Substring(decoded) }
            }
            if fields[key] == nil { fields[key] = value }
        }
        return fields
    }

    private static func hexDecoded(_ text: Substring) -> String? {
        guard text.utf8.count % 2 == 0, !text.isEmpty else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count / 2)
        var high: UInt8?
        for byte in text.utf8 {
            guard let nibble = URLDecoding.hexValue(byte) else { return nil }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
