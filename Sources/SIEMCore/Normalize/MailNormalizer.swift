/// Mail server logins (`log_type` `mail`): postfix smtpd (SASL failures and successes,
/// connects, disconnects, rejects) and dovecot (the `imap-login`/`pop3-login`/… processes and the
/// `auth` process's failures).
///
/// Keys: `event.category` (`authentication` for logins, `email` for rejects, else `network`),
/// `event.action`, `event.outcome`, `event.reason`, `source.ip`, `source.domain` (the client's
/// name when postfix resolved it), `source.port`, `destination.ip`, `destination.port` (dovecot's
/// `lip`/`lport`), `user.name`, `authentication.method` (the SASL mechanism),
/// `email.from.address`, `email.to.address` (rejects).
enum MailNormalizer {
    static func normalize(_ body: Substring, program: Substring?, into record: inout NormalizedRecord) -> Bool {
        var text = body.trimmed
        if let rest = text.afterPrefix("dovecot: ") { text = rest }
        if postfix(text, into: &record) { return true }
        if dovecotLogin(text, program: program, into: &record) { return true }
        return dovecotAuth(text, into: &record)
    }

    /// Programs whose lines this normalizer reads: `postfix/smtpd`, `postfix/submission/smtpd`,
    /// `dovecot`, `imap-login`, ….
    static func isMailProgram(_ name: String) -> Bool {
        name.hasPrefix("postfix/") || name == "dovecot" || name.hasSuffix("-login")
    }

    /// A mail login line without a known program (cheap; used by detection).
    static func looksLikeMail(_ body: Substring) -> Bool {
        if body.has(": SASL "), body.has(" authentication failed"), body.has("]") { return true }
        guard let login = body.leadingCharacters(48).find("-login: ") else { return false }
        return body[login.upperBound...].has("rip=")
    }

    // MARK: postfix

    private static func postfix(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        if let rest = text.afterPrefix("warning: "), let failed = rest.find(" authentication failed"),
            let sasl = rest[..<failed.lowerBound].find(": SASL ")
        {
            record.set("event.category", "authentication")
            record.set("event.action", "smtp-auth-failed")
            record.set("event.outcome", "failure")
            peer(rest[..<sasl.lowerBound], into: &record)
            record.set("authentication.method", rest[sasl.upperBound..<failed.lowerBound])
            var reason = rest[failed.upperBound...].afterPrefix(": ") ?? ""
            if let user = reason.find(", sasl_username=") {
                record.set("user.name", reason[user.upperBound...])
                reason = reason[..<user.lowerBound]
            }
            record.set("event.reason", reason)
            return true
        }
        let words = text.leadingCharacters(64).words
        if let rest = text.afterPrefix("connect from ") {
            network("smtp-connect", rest, into: &record)
        } else if let rest = text.afterPrefix("disconnect from ") {
            network("smtp-disconnect", rest, into: &record)
        } else if text.startsWith("lost connection after "), let from = text.find(" from ") {
            network("smtp-lost-connection", text[from.upperBound...], into: &record)
            record.set("event.reason", text[..<from.lowerBound])
        } else if words.count >= 2, words[1] == "reject:", let from = text.find(" from ") {
            network("smtp-reject", text[from.upperBound...], into: &record)
            record.set("event.category", "email")
            record.set("event.outcome", "failure")
            if let reply = text[from.upperBound...].after("]: ") {
                record.set("event.reason", reply.before(";") ?? reply)
            }
            if let sender = text.after(" from=<")?.before(">") { record.set("email.from.address", sender) }
            if let recipient = text.after(" to=<")?.before(">") { record.set("email.to.address", recipient) }
        } else if words.count >= 2, words[1].startsWith("client="), let user = text.after(", sasl_username=") {
            record.set("event.category", "authentication")
            record.set("event.action", "smtp-auth-success")
            record.set("event.outcome", "success")
            peer(words[1].dropFirst(7).before(",") ?? words[1].dropFirst(7), into: &record)
            record.set("user.name", user.before(",") ?? user)
            if let method = text.after(", sasl_method=") {
                record.set("authentication.method", method.before(",") ?? method)
            }
        } else {
            return false
        }
        return true
    }

    private static func network(_ action: String, _ peerText: Substring, into record: inout NormalizedRecord) {
        record.set("event.category", "network")
        record.set("event.action", action)
        peer(peerText.firstWord, into: &record)
    }

    /// `mx.example.org[192.0.2.1]`, `unknown[2001:db8::1]:25123`, `unknown[192.0.2.1]:`.
    private static func peer(_ text: Substring, into record: inout NormalizedRecord) {
        guard let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") else { return }
        let name = text[..<open]
        record.setIP("source.ip", text[text.index(after: open)..<close])
        if name != "unknown", NormalizedRecord.isHostName(name) { record.set("source.domain", name.lowercased()) }
        let after = text[text.index(after: close)...]
        if let port = after.afterPrefix(":") { record.setInt("source.port", port.prefix { $0.isNumber }) }
    }

    // MARK: dovecot

    /// `imap-login: Disconnected (auth failed, 3 attempts in 12 secs): user=<bob>, method=PLAIN,
    /// rip=192.0.2.1, lip=198.51.100.2, TLS, session=<…>` and `imap-login: Login: user=<bob>, …`.
    private static func dovecotLogin(_ text: Substring, program: Substring?, into record: inout NormalizedRecord)
        -> Bool
    {
        var service: Substring
        var message: Substring
        let first = text.firstWord
        if first.hasSuffix("-login:") {
            service = first.dropLast(7)
            message = text[first.endIndex...].trimmed
        } else if let program, program.hasSuffix("-login") {
            service = program.dropLast(6)
            message = text
        } else {
            return false
        }
        for level in ["Info: ", "Warning: ", "Error: "] { if let rest = message.afterPrefix(level) { message = rest } }
        guard message.has("rip=") || message.has("user=<") else { return false }
        if service == "submission" { service = "smtp" }
        let verdict: String
        if message.startsWith("Login: ") {
            verdict = "success"
        } else if message.has("(auth failed") || message.has("auth_failed") || message.has("disallowed plaintext auth")
        {
            verdict = "failure"
        } else if message.startsWith("Disconnected") || message.startsWith("Aborted login") {
            verdict = "disconnect"
        } else {
            return false
        }
        switch verdict {
        case "success":
            record.set("event.category", "authentication")
            record.set("event.action", "\(service.lowercased())-auth-success")
            record.set("event.outcome", "success")
        case "failure":
            record.set("event.category", "authentication")
            record.set("event.action", "\(service.lowercased())-auth-failed")
            record.set("event.outcome", "failure")
            if let open = message.firstIndex(of: "("), let close = message[open...].firstIndex(of: ")") {
                record.set("event.reason", message[message.index(after: open)..<close])
            }
        default:
            record.set("event.category", "network")
            record.set("event.action", "\(service.lowercased())-disconnect")
        }
        keyValues(message, into: &record)
        return true
    }

    /// `user=<bob>, method=PLAIN, rip=192.0.2.1, lip=198.51.100.2, rport=…, lport=…`.
    private static func keyValues(_ text: Substring, into record: inout NormalizedRecord) {
        if let user = text.after("user=<"), let end = user.find(">")?.lowerBound {
            record.set("user.name", user[..<end])
        }
        for part in text.split(separator: ",") {
            let item = part.trimmed
            guard let equals = item.firstIndex(of: "=") else { continue }
            let value = item[item.index(after: equals)...]
            switch item[..<equals] {
            case "method": record.set("authentication.method", value)
            case "rip": record.setIP("source.ip", value)
            case "lip": record.setIP("destination.ip", value)
            case "rport": record.setInt("source.port", value)
            case "lport": record.setInt("destination.port", value)
            default: break
            }
        }
    }

    /// `auth: passwd-file(bob,192.0.2.1,<sess>): unknown user`, `auth-worker(99): pam(bob,192.0.2.1):
    /// pam_authenticate() failed: Authentication failure (password mismatch?)`, `auth: sql(bob,
    /// 192.0.2.1): Password mismatch`.
    private static func dovecotAuth(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        guard text.startsWith("auth: ") || text.startsWith("auth-worker(") else { return false }
        var rest = text[text.firstWord.endIndex...].trimmed
        for level in ["Info: ", "Warning: ", "Error: "] { if let after = rest.afterPrefix(level) { rest = after } }
        guard let open = rest.firstIndex(of: "("), let close = rest.find("): ") else { return false }
        let reason = rest[close.upperBound...]
        let lower = reason.lowercased()
        guard lower.contains("unknown user") || lower.contains("mismatch") || lower.contains("failed") else {
            return false
        }
        let parts = rest[rest.index(after: open)..<close.lowerBound].split(separator: ",")
        record.set("event.category", "authentication")
        record.set("event.action", "mail-auth-failed")
        record.set("event.outcome", "failure")
        record.set("event.reason", reason)
        if let user = parts.first { record.set("user.name", user) }
        if parts.count > 1 { record.setIP("source.ip", parts[1]) }
        return true
    }
}
