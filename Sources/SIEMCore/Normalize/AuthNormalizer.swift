/// sshd (also OpenSSH 9.8's `sshd-session` and `sshd-auth`), PAM and Linux audit login lines
/// (`log_type` `auth`).
///
/// Keys: `event.category` (`authentication`; `network` for connection bookkeeping; `session`),
/// `event.action` (see README's Normalization table for the vocabulary), `event.outcome`
/// (`failure` for every line fail2ban's sshd filter bans on, `success` for accepted logins),
/// `event.reason`, `user.name`, `source.ip` (or `source.domain`), `source.port`.
///
/// A client chooses its user name and identification string, so addresses are read where sshd
/// writes them, anchored at the end of the line (`SSHDPeer`), and PAM's `rhost=` only from the
/// key=value tail of a PAM message.
enum AuthNormalizer {
    static func normalize(_ body: Substring, into record: inout NormalizedRecord) -> Bool {
        var text = body.trimmed
        if text.startsWith("type="), text.has("msg=audit(") { return audit(text, into: &record) }
        if text.startsWith("[ID "), let close = text.firstIndex(of: "]") {
            text = text[text.index(after: close)...].trimmed
        }
        let preauth = text.hasSuffix(" [preauth]")
        if preauth { text = text[..<text.utf8.index(text.endIndex, offsetBy: -10)].trimmed }
        if pam(text, into: &record) { return true }
        for prefix in ["error: ", "fatal: "] {
            if let rest = text.after(prefix: prefix) { text = rest }
        }
        return sshd(text, preauth: preauth, into: &record)
    }

    /// Whether a message without a program name reads as sshd's (for lines like
    /// `Mar  3 00:17:22 [sshd]: User root from … not allowed because …`).
    static func looksLikeSSHD(_ body: Substring) -> Bool {
        let text = body.trimmed
        return (text.startsWith("User ") && text.has(" not allowed because "))
            || text.startsWith("Invalid user ") || text.startsWith("ROOT LOGIN REFUSED")
            || (text.startsWith("Failed ") && text.has(" for ")) || text.startsWith("Did not receive identification")
            || text.startsWith("refused connect from ")
    }

    private static func sshd(_ text: Substring, preauth: Bool, into record: inout NormalizedRecord) -> Bool {
        for verdict in ["Failed ", "Accepted ", "Postponed "] {
            if let rest = text.after(prefix: verdict) { return login(verdict, rest, into: &record) }
        }
        if let rest = text.after(prefix: "Invalid user ") ?? text.after(prefix: "Illegal user ") {
            fail("invalid-user", into: &record)
            record.set("event.reason", "invalid user")
            let truncated = record.flags.contains("truncated")
            if let (user, peer) = SSHDPeer.anchored(
                in: rest, marker: " from ", truncated: truncated, tail: SSHDPeer.endTail)
            {
                setUser(user, into: &record)
                setPeer(peer, into: &record)
            } else {
                setUser(rest.firstWord, into: &record)
            }
            return true
        }
        if let rest = text.after(prefix: "input_userauth_request: invalid user ") {
            fail("invalid-user", into: &record)
            record.set("event.reason", "invalid user")
            setUser(rest, into: &record)
            return true
        }
        if let rest = text.after(prefix: "User "), let because = rest.lastRange(of: " not allowed because ") {
            fail("user-not-allowed", into: &record)
            record.set("event.reason", rest[because.upperBound...])
            var user = rest[..<because.lowerBound]
            if let from = user.lastRange(of: " from ") {
                setSource(user[from.upperBound...], into: &record)
                user = user[..<from.lowerBound]
            }
            setUser(user, into: &record)
            return true
        }
        if text.startsWith("ROOT LOGIN REFUSED") {
            fail("root-login-refused", into: &record)
            record.set("user.name", "root")
            if let (_, peer) = SSHDPeer.anchored(in: text, marker: " FROM ", tail: { $0.isEmpty }) {
                setPeer(peer, into: &record)
            }
            return true
        }
        if let rest = text.after(prefix: "maximum authentication attempts exceeded for ") {
            fail("too-many-auth-failures", into: &record)
            loginUser(rest, tail: SSHDPeer.loginTail(keys: false), into: &record)
            return true
        }
        if let rest = text.after(prefix: "PAM: ") { return pamError(rest, into: &record) }
        if disconnect(text, preauth: preauth, into: &record) { return true }
        return protocolFailure(text, preauth: preauth, into: &record)
    }

    /// `Failed|Accepted|Postponed METHOD for [invalid user ]USER from ADDRESS[ port N][ ssh2][: …]`.
    private static func login(_ verdict: String, _ rest: Substring, into record: inout NormalizedRecord) -> Bool {
        let method = rest.firstWord
        guard !method.isEmpty, let region = rest[method.endIndex...].after(prefix: " for ") else { return false }
        let outcome = verdict == "Accepted " ? "success" : verdict == "Failed " ? "failure" : "unknown"
        let action =
            String(verdict.lowercased().dropLast()) + "-" + String(method.lowercased().map { $0 == "/" ? "-" : $0 })
        record.set("event.category", "authentication")
        record.set("event.action", action)
        record.set("event.outcome", outcome)
        let keys = method == "publickey" || method == "hostbased"
        loginUser(region, tail: SSHDPeer.loginTail(keys: keys), into: &record)
        return true
    }

    /// `[invalid user ]USER from ADDRESS…`: the user and the peer sshd wrote after it.
    private static func loginUser(
        _ text: Substring, tail: (Substring) -> Bool, into record: inout NormalizedRecord
    ) {
        var region = text
        if let rest = region.after(prefix: "invalid user ") ?? region.after(prefix: "illegal user ") {
            region = rest
            record.set("event.reason", "invalid user")
        }
        let truncated = record.flags.contains("truncated")
        if let (user, peer) = SSHDPeer.anchored(in: region, marker: " from ", truncated: truncated, tail: tail) {
            setUser(user, into: &record)
            setPeer(peer, into: &record)
        } else if let rest = region.after(prefix: "from "), let peer = SSHDPeer.parse(rest, at: rest.startIndex),
            tail(rest[peer.end...])
        {
            setPeer(peer, into: &record)
        } else {
            setUser(region.firstWord, into: &record)
        }
    }

    /// `PAM: Authentication failure for [illegal user ]USER from HOST[ via ADDRESS]` and
    /// `PAM: User not known to the underlying authentication module for illegal user X from HOST`.
    private static func pamError(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        var rest: Substring
        if let found = text.after(prefix: "Authentication failure for ") ?? text.after(
            prefix: "authentication failure for ")
            ?? text.after(prefix: "Authentication error for ") ?? text.after(prefix: "authentication error for ")
        {
            fail("pam-auth-failure", into: &record)
            rest = found
        } else if let found = text.after(prefix: "User not known to the underlying authentication module for ") {
            fail("pam-user-unknown", into: &record)
            rest = found
        } else {
            return false
        }
        if let unknown = rest.after(prefix: "illegal user ") ?? rest.after(prefix: "invalid user ") {
            rest = unknown
            record.set("event.reason", "invalid user")
        }
        if let (user, peer) = SSHDPeer.anchored(in: rest, marker: " from ", tail: SSHDPeer.viaTail) {
            setUser(user, into: &record)
            setPeer(peer, into: &record)
        } else {
            setUser(rest.firstWord, into: &record)
        }
        return true
    }

    /// Disconnects and closed connections: failures when they come before authentication.
    private static func disconnect(_ text: Substring, preauth: Bool, into record: inout NormalizedRecord) -> Bool {
        if let rest = text.after(prefix: "Received disconnect from ") {
            receivedDisconnect(rest, preauth: preauth, into: &record)
            return true
        }
        if let rest = text.after(prefix: "Disconnecting: ") {
            if let user = rest.after(prefix: "Too many authentication failures") {
                fail("too-many-auth-failures", into: &record)
                if let name = user.after(prefix: " for ") { setUser(name, into: &record) }
            } else if preauth || rest.startsWith("Change of username") {
                fail("preauth-disconnect", into: &record)
                record.set("event.reason", rest)
            } else {
                connection("disconnect", into: &record)
                record.set("event.reason", rest)
            }
            return true
        }
        if let rest = text.after(prefix: "Disconnecting ") {
            let known: (Substring) -> Bool = {
                $0.startsWith(": Too many authentication failures") || $0.startsWith(": Change of username")
            }
            guard
                let (user, peer) = peerAfterUser(rest, tail: known, into: &record)
                    ?? peerAfterUser(rest, tail: SSHDPeer.reasonTail, into: &record)
            else { return false }
            let reason = rest[peer.end...].dropFirst().trimmed
            fail(
                reason.startsWith("Too many authentication failures") ? "too-many-auth-failures" : "preauth-disconnect",
                into: &record)
            if !record.has("event.reason") { record.set("event.reason", reason) }
            setUser(user, into: &record)
            setPeer(peer, into: &record)
            return true
        }
        let closing: [(String, String)] = [
            ("Disconnected from ", "disconnect"), ("Connection closed by ", "connection-closed"),
            ("Connection reset by ", "connection-reset"),
        ]
        for (prefix, action) in closing {
            guard let rest = text.after(prefix: prefix) else { continue }
            if preauth { fail("preauth-disconnect", into: &record) } else { connection(action, into: &record) }
            if let (user, peer) = peerAfterUser(rest, tail: { $0.isEmpty }, into: &record) {
                setUser(user, into: &record)
                setPeer(peer, into: &record)
            }
            return true
        }
        if text.startsWith("Read from socket failed: ") {
            if preauth {
                fail("preauth-disconnect", into: &record)
            } else {
                connection("connection-reset", into: &record)
            }
            return true
        }
        return false
    }

    /// `ADDRESS[ port N]:CODE: TEXT` (also `ADDRESS: CODE: TEXT`); the text is the client's.
    private static func receivedDisconnect(_ text: Substring, preauth: Bool, into record: inout NormalizedRecord) {
        var word = text.firstWord
        var rest = text[word.endIndex...]
        if word.hasSuffix(":") { word = word.dropLast() }
        let peer = SSHDPeer.parse(text, at: text.startIndex)
        if let peer, peer.address == word {
            setPeer(peer, into: &record)
            rest = text[peer.end...]
        } else {
            setSource(word, into: &record)
        }
        rest = rest.trimmed
        if let colon = rest.after(prefix: ":") { rest = colon.trimmed }
        let code = rest.leadingDigits
        let reason = (rest[code.endIndex...].after(prefix: ":") ?? rest[code.endIndex...]).trimmed
        record.set("event.reason", reason)
        if reason.startsWith("Too many authentication failures") {
            fail("too-many-auth-failures", into: &record)
        } else if preauth || code == "14" || (code == "3" && reason.hasSuffix("Auth fail")) {
            fail("preauth-disconnect", into: &record)
        } else {
            connection("disconnect", into: &record)
        }
    }

    /// `[authenticating |invalid ]user USER ADDRESS port N…` or `ADDRESS port N…`.
    private static func peerAfterUser(
        _ text: Substring, tail: (Substring) -> Bool, into record: inout NormalizedRecord
    ) -> (Substring, SSHDPeer)? {
        var region: Substring?
        if let rest = text.after(prefix: "invalid user ") {
            record.set("event.reason", "invalid user")
            region = rest
        } else {
            region = text.after(prefix: "authenticating user ") ?? text.after(prefix: "user ")
        }
        if let region { return SSHDPeer.anchored(in: region, marker: " ", tail: tail) }
        guard let peer = SSHDPeer.parse(text, at: text.startIndex), tail(text[peer.end...]) else { return nil }
        return (text[text.startIndex..<text.startIndex], peer)
    }

    /// Clients that never got as far as authenticating: no identification, protocol errors,
    /// failed negotiation, timeouts, tcp_wrappers refusals, OpenSSH 9.8's penalty drops.
    private static func protocolFailure(_ text: Substring, preauth: Bool, into record: inout NormalizedRecord) -> Bool {
        if let rest = text.after(prefix: "Did not receive identification string from ") {
            fail("protocol-error", into: &record)
            record.set("event.reason", "no identification string")
            if let peer = SSHDPeer.parse(rest, at: rest.startIndex) { setPeer(peer, into: &record) }
            return true
        }
        if let rest = text.after(prefix: "Bad protocol version identification ") {
            fail("protocol-error", into: &record)
            if let (_, peer) = SSHDPeer.anchored(in: rest, marker: " from ", tail: SSHDPeer.endTail) {
                setPeer(peer, into: &record)
            }
            return true
        }
        for prefix in ["banner exchange: Connection from ", "ssh_dispatch_run_fatal: Connection from "] {
            guard let rest = text.after(prefix: prefix) else { continue }
            fail("protocol-error", into: &record)
            if let (user, peer) = peerAfterUser(rest, tail: SSHDPeer.reasonTail, into: &record) {
                setUser(user, into: &record)
                setPeer(peer, into: &record)
                record.set("event.reason", rest[peer.end...].dropFirst().trimmed)
            }
            return true
        }
        if text.startsWith("kex_exchange_identification: ") || text.startsWith("kex_protocol_error: ") {
            fail("protocol-error", into: &record)
            record.set("event.reason", text[(text.firstIndex(of: " ") ?? text.startIndex)...].trimmed)
            return true
        }
        if let rest = text.after(prefix: "Unable to negotiate with ") {
            fail("negotiation-failed", into: &record)
            if let peer = SSHDPeer.parse(rest, at: rest.startIndex) {
                setPeer(peer, into: &record)
                record.set("event.reason", rest[peer.end...].dropFirst().trimmed)
            }
            return true
        }
        if text.startsWith("Unable to negotiate a ") || text.startsWith("no matching ") {
            fail("negotiation-failed", into: &record)
            record.set("event.reason", text)
            return true
        }
        if let rest = text.after(prefix: "Timeout before authentication for ") {
            fail("preauth-timeout", into: &record)
            let address = rest.after(prefix: "connection from ") ?? rest
            if let peer = SSHDPeer.parse(address, at: address.startIndex) { setPeer(peer, into: &record) }
            return true
        }
        if let rest = text.after(prefix: "refused connect from "), rest.hasSuffix(")"),
            let open = rest.utf8.lastIndex(of: UInt8(ascii: "("))
        {
            fail("refused-connect", into: &record)
            setSource(rest[rest.utf8.index(after: open)..<rest.utf8.index(before: rest.endIndex)], into: &record)
            return true
        }
        if let rest = text.after(prefix: "drop connection #"), let from = rest.after(" from [") {
            connection("penalty-drop", into: &record)
            record.set("event.outcome", "failure")
            if let close = from.firstIndex(of: "]") {
                setSource(from[..<close], into: &record)
                record.setInt("source.port", from[from.index(after: close)...].after(prefix: ":")?.leadingDigits ?? "")
            }
            if let reason = rest.lastRange(of: " penalty: ") { record.set("event.reason", rest[reason.upperBound...]) }
            return true
        }
        if let rest = text.after(prefix: "Connection from ") {
            connection("connection", into: &record)
            if let (_, peer) = peerAfterUser(rest, tail: { _ in true }, into: &record) {
                setPeer(peer, into: &record)
                if let local = rest[peer.end...].after(prefix: " on "),
                    let own = SSHDPeer.parse(local, at: local.startIndex)
                {
                    record.setAddress("destination", own.address.unmappedAddress)
                    if let port = own.port { record.setInt("destination.port", port) }
                }
            }
            return true
        }
        if let rest = text.after(prefix: "Address "), rest.has(" but this does not map back") {
            connection("reverse-mapping-failed", into: &record)
            setSource(rest.firstWord, into: &record)
            return true
        }
        return false
    }

    static func fail(_ action: String, into record: inout NormalizedRecord) {
        record.set("event.category", "authentication")
        record.set("event.action", action)
        record.set("event.outcome", "failure")
    }

    private static func connection(_ action: String, into record: inout NormalizedRecord) {
        record.set("event.category", "network")
        record.set("event.action", action)
    }

    /// A user name as sshd wrote it; the `<invalid username>` placeholder and empty names are skipped.
    static func setUser(_ name: Substring, into record: inout NormalizedRecord) {
        guard !name.isEmpty, name != "<invalid username>" else { return }
        record.set("user.name", name)
    }

    private static func setPeer(_ peer: SSHDPeer, into record: inout NormalizedRecord) {
        setSource(peer.address, into: &record)
        if let port = peer.port { record.setInt("source.port", port) }
    }

    static func setSource(_ address: Substring, into record: inout NormalizedRecord) {
        record.setAddress("source", address.unmappedAddress)
    }
}

extension Substring {
    func trimmingSuffix(_ suffix: String) -> Substring {
        hasSuffix(suffix) ? dropLast(suffix.count) : self
    }

    /// The last occurrence of `needle`.
    func lastRange(of needle: String) -> Range<Index>? {
        var found: Range<Index>?
        var search = self[...]
        while let range = search.find(needle) {
            found = range
            search = self[utf8.index(after: range.lowerBound)...]
        }
        return found
    }
}
