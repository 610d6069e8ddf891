/// PAM module messages of any service: `pam_unix(sshd:auth): authentication failure; logname= uid=0
/// euid=0 tty=ssh ruser= rhost=192.0.2.1  user=root`, `(pam_unix) …`, `pam_unix: …`, libpam's
/// `PAM 2 more authentication failures; …` and `PAM service(sshd) ignoring max retries`, sessions,
/// `check pass; user unknown`.
extension AuthNormalizer {
    static func pam(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        guard let message = pamMessage(text) else { return false }
        if let tail = message.after(prefix: "authentication failure;") {
            fail("pam-auth-failure", into: &record)
            pamTail(tail, into: &record)
            return true
        }
        let counted = message.after(prefix: "PAM ") ?? message
        if let count = Int64(counted.firstWord),
            let tail = counted[counted.firstWord.endIndex...].after(prefix: " more authentication failure")
        {
            fail("pam-auth-failure", into: &record)
            record.set("event.count", .int(count))
            if let semicolon = tail.firstIndex(of: ";") {
                pamTail(tail[tail.index(after: semicolon)...], into: &record)
            }
            return true
        }
        for (prefix, action) in [
            ("session opened for user ", "session-opened"), ("session closed for user ", "session-closed"),
        ] {
            guard let rest = message.after(prefix: prefix) else { continue }
            record.set("event.category", "session")
            record.set("event.action", action)
            record.set("event.outcome", "success")
            let user = rest.firstWord
            setUser(user.before("(") ?? user, into: &record)
            if let by = rest[user.endIndex...].after(prefix: " by ") {
                let name = by.before("(") ?? by
                if !name.isEmpty { record.set("user.effective.name", name) }
            }
            return true
        }
        if message.startsWith("PAM service("), message.has(") ignoring max retries") {
            fail("pam-max-retries", into: &record)
            return true
        }
        if message.startsWith("check pass; user unknown") {
            fail("pam-user-unknown", into: &record)
            return true
        }
        return false
    }

    /// The message after a module's tag (`pam_unix(sshd:auth): `, `pam_sss(…): `, `(pam_unix) `,
    /// `pam_unix: `), or the line when it starts as a PAM message does; nil for any other line, so
    /// that a PAM-looking text inside another message (a user name) is never read as one.
    static func pamMessage(_ text: Substring) -> Substring? {
        if let rest = text.after(prefix: "(pam_unix) ") { return rest }
        if text.startsWith("pam_") {
            let name = text.utf8.prefix {
                $0 != UInt8(ascii: "(") && $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: " ")
            }
            var rest = text[name.endIndex...]
            if rest.startsWith("("), let close = rest.utf8.firstIndex(of: UInt8(ascii: ")")) {
                rest = rest[rest.utf8.index(after: close)...]
            }
            return rest.after(prefix: ": ")
        }
        for start in ["authentication failure;", "check pass;", "session opened for ", "session closed for ", "PAM "] {
            if text.startsWith(start) { return text }
        }
        return nil
    }

    /// `logname=… uid=… euid=… tty=… ruser=… rhost=…[ user=…]`.
    ///
    /// A user name (`ruser`, `user`) may hold spaces and `rhost=`; a host cannot. So `rhost` is the
    /// first `rhost=` after `ruser=` whose value ends the line or is followed by `user=`, `ruser`
    /// everything between, `user` everything after.
    static func pamTail(_ tail: Substring, into record: inout NormalizedRecord) {
        var search = tail[...]
        var ruser: Substring?
        if let key = keyRange("ruser=", in: tail) {
            search = tail[key.upperBound...]
            ruser = search.firstWord
        }
        if let tty = keyRange("tty=", in: tail), ruser == nil || tty.upperBound <= search.startIndex {
            let value = tail[tty.upperBound...].firstWord
            if !value.isEmpty { record.set("process.tty.name", value) }
        }
        let ruserStart = search.startIndex
        var user: Substring?
        while let key = keyRange("rhost=", in: search) {
            let host = search[key.upperBound...].firstWord
            let rest = search[host.endIndex...].trimmed
            if rest.isEmpty || rest.startsWith("user=") {
                if ruser != nil { ruser = tail[ruserStart..<key.lowerBound].trimmed }
                if !host.isEmpty { setSource(host, into: &record) }
                user = rest.after(prefix: "user=")?.trimmed
                break
            }
            search = search[key.upperBound...]
        }
        if let user, !user.isEmpty {
            record.set("user.name", user)
        } else if let ruser, !ruser.isEmpty {
            record.set("user.name", ruser)
        }
    }

    /// `key` where a key can start: at the start of `text` or after a space or `;`.
    private static func keyRange(_ key: String, in text: Substring) -> Range<Substring.Index>? {
        var search = text[...]
        while let range = search.find(key) {
            if range.lowerBound == text.startIndex { return range }
            let before = text.utf8[text.utf8.index(before: range.lowerBound)]
            if before == UInt8(ascii: " ") || before == UInt8(ascii: ";") { return range }
            search = text[range.upperBound...]
        }
        return nil
    }
}
