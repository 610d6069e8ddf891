import Foundation

/// sshd, PAM and Linux audit login lines (`log_type` `auth`).
///
/// `event.action` names what happened (`failed-password`, `accepted-publickey`, `invalid-user`,
/// `pam-auth-failure`, `disconnect`, …); `event.outcome` is `success` or `failure` where the line
/// says; `user.name`, `source.ip` (or `source.domain` for a host name) and `source.port` as given.
enum AuthNormalizer {
    static func normalize(_ body: Substring, into record: inout NormalizedRecord) -> Bool {
        var text = body.trimmed
        if text.startsWith("type="), text.has("msg=audit(") { return audit(text, into: &record) }
        if text.startsWith("[ID "), let close = text.firstIndex(of: "]") {
            text = text[text.index(after: close)...].trimmed
        }
        if text.hasSuffix(" [preauth]") { text = text.dropLast(" [preauth]".count) }
        if pam(text, into: &record) { return true }
        for prefix in ["error: ", "fatal: "] where text.startsWith(prefix) {
            text = text.dropFirst(prefix.count)
        }
        return sshd(text, into: &record)
    }

    private static func sshd(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        record.set("event.category", "authentication")
        if text.startsWith("Failed ") || text.startsWith("Accepted ") || text.startsWith("Postponed ") {
            let words = text.prefix(64).words
            guard words.count >= 2, var rest = text.after(" for ") else { return false }
            let verdict = words[0].lowercased()
            record.set("event.action", "\(verdict)-\(words[1].replacingOccurrences(of: "/", with: "-"))")
            record.set("event.outcome", verdict == "accepted" ? "success" : verdict == "failed" ? "failure" : "unknown")
            if let unknown = invalidUser(rest) {
                rest = unknown
                record.set("event.reason", "invalid user")
            }
            user(before: " from ", in: rest, into: &record)
            peer(rest, into: &record)
            return true
        }
        if text.startsWith("Invalid user ") || text.startsWith("input_userauth_request: invalid user ") {
            record.set("event.action", "invalid-user")
            record.set("event.outcome", "failure")
            record.set("event.reason", "invalid user")
            let rest = text.after("nvalid user ")!
            if rest.startsWith("from ") {
                peer(rest, into: &record)
            } else {
                user(before: " from ", in: rest, into: &record)
                peer(rest, into: &record)
            }
            return true
        }
        if text.startsWith("User "), text.has(" not allowed because ") {
            record.set("event.action", "user-not-allowed")
            record.set("event.outcome", "failure")
            record.set("user.name", text.dropFirst(5).firstWord)
            peer(text, into: &record)
            return true
        }
        if text.startsWith("ROOT LOGIN REFUSED") {
            record.set("event.action", "root-login-refused")
            record.set("event.outcome", "failure")
            record.set("user.name", "root")
            if let address = text.word(after: "FROM ") { record.setAddress("source", address) }
            return true
        }
        if text.startsWith("maximum authentication attempts exceeded") || text.has("Too many authentication failures") {
            record.set("event.action", "too-many-auth-failures")
            record.set("event.outcome", "failure")
            if var rest = text.after(" for ") ?? text.after(" user ") {
                if let unknown = invalidUser(rest) { rest = unknown }
                if rest.has(" port ") || rest.has(" from ") {
                    user(before: rest.has(" from ") ? " from " : " ", in: rest, into: &record)
                } else {
                    record.set("user.name", rest.firstWord)
                }
            }
            peer(text, into: &record)
            return true
        }
        let connection: [(String, String)] = [
            ("Received disconnect from ", "disconnect"), ("Disconnected from ", "disconnect"),
            ("Disconnecting ", "disconnect"), ("Connection closed by ", "connection-closed"),
            ("Connection reset by ", "connection-reset"), ("Connection from ", "connection"),
            ("Did not receive identification string", "protocol-error"), ("Bad protocol version", "protocol-error"),
            ("banner exchange", "protocol-error"), ("kex_exchange_identification", "protocol-error"),
            ("Unable to negotiate", "protocol-error"), ("Timeout before authentication", "timeout"),
            ("Read from socket failed", "connection-reset"), ("ssh_dispatch_run_fatal", "protocol-error"),
        ]
        for (prefix, action) in connection where text.startsWith(prefix) {
            record.set("event.category", "network")
            record.set("event.action", action)
            if let rest = text.after(" user ") {
                if let peer = text.after(" by ") ?? text.after(" from "), invalidUser(peer) != nil {
                    record.set("event.reason", "invalid user")
                }
                record.set("user.name", rest.firstWord)
            }
            peer(text, into: &record)
            if !record.has("source.ip"), let address = text.word(after: "from ") ?? text.word(after: " for ") {
                record.setAddress("source", address.trimmingSuffix(":"))
            }
            return true
        }
        if text.startsWith("PAM: "),
            let found = text.find("uthentication failure for ") ?? text.find("uthentication error for ")
        {
            record.set("event.action", "pam-auth-failure")
            record.set("event.outcome", "failure")
            var rest = text[found.upperBound...]
            if let unknown = invalidUser(rest) { rest = unknown }
            user(before: " from ", in: rest, into: &record)
            if let address = rest.word(after: " from ") { record.setAddress("source", address) }
            return true
        }
        if text.startsWith("Address "), text.has(" but this does not map back") {
            record.set("event.category", "network")
            record.set("event.action", "reverse-mapping-failed")
            record.setAddress("source", text.dropFirst(8).firstWord)
            return true
        }
        if text.startsWith("PAM: User not known") {
            record.set("event.action", "pam-user-unknown")
            record.set("event.outcome", "failure")
            if let address = text.word(after: " from ") { record.setAddress("source", address) }
            return true
        }
        record.values["event.category"] = nil
        peer(text, into: &record)
        return false
    }

    /// pam_unix lines of any service: `authentication failure; … rhost=IP  user=X`, session lines,
    /// `check pass; user unknown`, `PAM N more authentication failures`.
    static func pam(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        guard text.has("pam_unix") || text.startsWith("PAM ") || text.startsWith("authentication failure;")
        else { return false }
        if text.has("authentication failure") {
            record.set("event.category", "authentication")
            record.set("event.action", "pam-auth-failure")
            record.set("event.outcome", "failure")
            if let user = text.value(forKey: "user") {
                record.set("user.name", user)
            } else if let user = text.value(forKey: "ruser") {
                record.set("user.name", user)
            }
            if let host = text.value(forKey: "rhost") { record.setAddress("source", host) }
            if let tty = text.value(forKey: "tty") { record.set("process.tty.name", tty) }
            if let count = text.after("PAM ")?.firstWord, let number = Int64(count) {
                record.set("event.count", .int(number))
            }
            return true
        }
        if text.has("session opened for user ") || text.has("session closed for user ") {
            let opened = text.has("opened")
            record.set("event.category", "session")
            record.set("event.action", opened ? "session-opened" : "session-closed")
            record.set("event.outcome", "success")
            if let user = text.word(after: " for user ") { record.set("user.name", user.before("(") ?? user) }
            if let by = text.word(after: " by ") {
                let name = by.before("(") ?? by
                if !name.isEmpty { record.set("user.effective.name", name) }
            }
            return true
        }
        if text.has("ignoring max retries") {
            record.set("event.category", "authentication")
            record.set("event.action", "pam-max-retries")
            record.set("event.outcome", "failure")
            return true
        }
        if text.has("check pass; user unknown") {
            record.set("event.category", "authentication")
            record.set("event.action", "pam-user-unknown")
            record.set("event.outcome", "failure")
            return true
        }
        return false
    }

    /// A Linux audit record (`type=USER_LOGIN msg=audit(…): … acct="root" … addr=… res=failed`).
    private static func audit(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        guard let type = text.value(forKey: "type") else { return false }
        record.set("event.category", "authentication")
        record.set("event.action", type.lowercased().replacingOccurrences(of: "_", with: "-"))
        if let stamp = text.after("msg=audit(")?.before(":"), let epoch = Double(stamp) {
            record.time = Timestamp.fromEpoch(epoch)
        }
        if let account = text.value(forKey: "acct") {
            if account.hasPrefix("\""), account.count >= 2 {
                let name = account.dropFirst().dropLast()
                if name != "?" { record.set("user.name", name) }
            } else if let decoded = hexDecoded(account) {
                record.set("user.name", decoded)
            }
        }
        if let address = text.value(forKey: "addr") { record.setAddress("source", address) }
        if let exe = text.value(forKey: "exe") { record.set("process.executable", exe.trimmingCharacters(in: ["\""])) }
        if let result = text.value(forKey: "res") {
            let value = result.trimmingSuffix("'")
            record.set("event.outcome", value == "success" ? "success" : value == "failed" ? "failure" : "unknown")
        }
        return true
    }

    private static func hexDecoded(_ text: Substring) -> String? {
        guard text.utf8.count % 2 == 0, !text.isEmpty else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The text after `invalid user ` / `illegal user ` when `text` starts so.
    private static func invalidUser(_ text: Substring) -> Substring? {
        for prefix in ["invalid user ", "illegal user "] where text.startsWith(prefix) {
            return text.dropFirst(prefix.count)
        }
        return nil
    }

    /// The user name before `marker`; `<invalid username>` and empty names are skipped.
    private static func user(before marker: String, in text: Substring, into record: inout NormalizedRecord) {
        guard let name = text.before(marker) ?? (text.has(" port ") ? text.firstWord : nil) else { return }
        guard !name.isEmpty, !name.hasPrefix("<") else { return }
        record.set("user.name", name)
    }

    /// `ADDRESS port N`, as sshd writes its peer; else the word after `from `.
    static func peer(_ text: Substring, into record: inout NormalizedRecord) {
        if let port = text.find(" port ") {
            if let address = text[..<port.lowerBound].words.last { record.setAddress("source", address) }
            let digits = text[port.upperBound...].prefix { $0.isASCII && $0.isNumber }
            record.setInt("source.port", digits)
        }
        if !record.has("source.ip"), !record.has("source.domain"), let address = text.word(after: "from ") {
            record.setAddress("source", address.trimmingSuffix(":"))
        }
    }
}

extension Substring {
    func trimmingSuffix(_ suffix: String) -> Substring {
        hasSuffix(suffix) ? dropLast(suffix.count) : self
    }
}
