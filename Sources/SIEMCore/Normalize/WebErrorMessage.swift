/// What an Apache or nginx error message says happened: `event.action`, with `event.category`
/// and `event.outcome` from it, and the user, path or URL the message names.
///
/// Messages are matched at their start and, for nginx, at their end (the end is where the
/// structural context begins), so text a client put inside a message cannot choose the action.
enum WebErrorMessage {
    /// Actions of failed logins (`event.category` `authentication`, `event.outcome` `failure`).
    static let authentication: Set<String> = [
        "auth-user-not-found", "auth-password-mismatch", "auth-failure", "auth-missing-credentials",
        "auth-wrong-scheme", "auth-digest-invalid", "auth-digest-nonce-mismatch",
    ]
    /// Actions without an outcome: the server did not refuse anything the client asked for.
    static let noOutcome: Set<String> = ["shellshock-attempt", "upstream-error", "http-error"]

    static func set(_ action: String, into record: inout NormalizedRecord) {
        record.set("event.action", action)
        record.set("event.category", authentication.contains(action) ? "authentication" : "web")
        if !noOutcome.contains(action) { record.set("event.outcome", "failure") }
    }

    // MARK: Apache

    static func apache(_ text: Substring, into record: inout NormalizedRecord) {
        var message = text
        if message.startsWith("Digest: ") { message = message.dropFirst(8) }
        if message.startsWith("user ") {
            apacheUser(message.dropFirst(5), into: &record)
        } else if let rest = message.afterPrefix("Authorization of user "), let to = rest.find(" to access ") {
            set("authz-denied", into: &record)
            record.set("user.name", rest[..<to.lowerBound])
            let target = rest[to.upperBound...]
            if let failed = target.find(" failed") {
                record.set("url.path", target[..<failed.lowerBound])
                if let reason = target.after(", reason: ") { record.set("event.reason", reason.trimmed) }
            }
        } else if let path = message.afterPrefix("client used wrong authentication scheme: ") {
            set("auth-wrong-scheme", into: &record)
            record.set("url.path", path)
        } else if message.startsWith("client denied by server configuration") {
            set("authz-denied", into: &record)
            if let path = message.after(": ") { record.set("file.path", path) }
        } else if message.startsWith("invalid nonce ") {
            set(message.has(" - hash is not ") ? "auth-digest-nonce-mismatch" : "auth-digest-invalid", into: &record)
        } else if ["invalid qop ", "realm mismatch", "unknown algorithm ", "invalid algorithm ", "uri mismatch"]
            .contains(where: { message.startsWith($0) })
        {
            set("auth-digest-invalid", into: &record)
        } else if message.has(" provided via SNI") || message.startsWith("No hostname was provided via SNI") {
            set("tls-sni-mismatch", into: &record)
        } else if message.startsWith("ModSecurity: Access denied") {
            set("waf-denied", into: &record)
            if let uri = message.after("[uri \"")?.before("\"]") { WebErrorNormalizer.setURL(uri, into: &record) }
        } else if message.has("ignoring function definition attempt")
            || message.has("error importing function definition")
        {
            set("shellshock-attempt", into: &record)
        } else {
            apacheRequest(message, into: &record)
        }
    }

    /// `user X not found: /p`, ``user `X' in realm `R' not found: /p``, `user X: authentication
    /// failure for "/p": Password Mismatch`, `user X: password mismatch: /p`, `user X: authorization
    /// failure for "/p": `.
    private static func apacheUser(_ rest: Substring, into record: inout NormalizedRecord) {
        if rest.startsWith("`"), let close = rest.dropFirst().find("'"), rest.has(" not found") {
            set("auth-user-not-found", into: &record)
            record.set("user.name", rest[rest.index(after: rest.startIndex)..<close.lowerBound])
            if let path = rest[close.upperBound...].after(" not found: ") { record.set("url.path", path) }
        } else if let failure = rest.find(": authentication failure for \"") {
            let reason = rest[failure.upperBound...].after("\": ")?.trimmed ?? ""
            set(reason.lowercased() == "password mismatch" ? "auth-password-mismatch" : "auth-failure", into: &record)
            record.set("user.name", rest[..<failure.lowerBound])
            if let path = rest[failure.upperBound...].before("\"") { record.set("url.path", path) }
            if !reason.isEmpty { record.set("event.reason", reason) }
        } else if let failure = rest.find(": authorization failure for \"") {
            set("authz-denied", into: &record)
            record.set("user.name", rest[..<failure.lowerBound])
            if let path = rest[failure.upperBound...].before("\"") { record.set("url.path", path) }
        } else if let mismatch = rest.find(": password mismatch") {
            set("auth-password-mismatch", into: &record)
            record.set("user.name", rest[..<mismatch.lowerBound])
            if let path = rest[mismatch.upperBound...].after(": ") { record.set("url.path", path) }
        } else if let missing = rest.find(" not found") {
            set("auth-user-not-found", into: &record)
            record.set("user.name", rest[..<missing.lowerBound].trimmed)
            if let path = rest[missing.upperBound...].after(": ") { record.set("url.path", path) }
        }
    }

    /// Probes for files and scripts, and requests the server could not read.
    private static func apacheRequest(_ message: Substring, into record: inout NormalizedRecord) {
        if let path = message.afterPrefix("File does not exist: ") {
            set("file-not-found", into: &record)
            record.set("file.path", path)
        } else if message.startsWith("script '"), let close = message.find("' not found or unable to stat") {
            set("script-not-found", into: &record)
            record.set("file.path", message[message.utf8.index(message.startIndex, offsetBy: 8)..<close.lowerBound])
        } else if let path = message.afterPrefix("script not found or unable to stat: ") {
            set("script-not-found", into: &record)
            record.set("file.path", path)
        } else if message.startsWith("stderr from "), let end = message.find(": script not found or unable to stat") {
            set("script-not-found", into: &record)
            record.set("file.path", message[message.utf8.index(message.startIndex, offsetBy: 12)..<end.lowerBound])
        } else if message.startsWith("Got error 'Primary script unknown") {
            set("script-not-found", into: &record)
        } else if message.startsWith("Directory index forbidden by ") {
            set("directory-index-forbidden", into: &record)
            if let path = message.after(": ") { record.set("file.path", path) }
        } else if let rest = message.afterPrefix("Cannot serve directory "), rest.has("directory index forbidden") {
            set("directory-index-forbidden", into: &record)
            if let path = rest.before(": ") { record.set("file.path", path) }
        } else if message.startsWith("request failed: URI too long") {
            set("uri-too-long", into: &record)
        } else if let reason = message.afterPrefix("request failed: ") {
            set("invalid-request", into: &record)
            record.set("event.reason", reason.before(": ") ?? reason)
        } else if let method = message.afterPrefix("Invalid method in request ") {
            set("invalid-method", into: &record)
            if method.startsWith("\\x16\\x03") { record.set("event.reason", "tls-handshake-on-http") }
        } else if let request = message.afterPrefix("Invalid URI in request ") {
            set("invalid-uri", into: &record)
            WebErrorNormalizer.requestLine(request, into: &record)
            if !record.has("url.original") { record.set("url.original", request) }
            traversal(into: &record)
        } else if message.startsWith("invalid URI path ("), message.hasSuffix(")") {
            set("invalid-uri", into: &record)
            WebErrorNormalizer.setURL(message.dropFirst(18).dropLast(), into: &record)
            traversal(into: &record)
        } else if message.startsWith("client sent HTTP/1.1 request without hostname") {
            set("invalid-request", into: &record)
        }
    }

    // MARK: nginx

    static func nginx(_ message: Substring, into record: inout NormalizedRecord) {
        if message.startsWith("user \"") {
            let rest = message.dropFirst(6)
            if rest.hasSuffix("\": password mismatch") {
                set("auth-password-mismatch", into: &record)
                record.set("user.name", rest.dropLast(20))
            } else if let found = lastRange(of: " was not found in \"", in: rest), rest.hasSuffix("\"") {
                set("auth-user-not-found", into: &record)
                var user = rest[..<found.lowerBound]
                if user.hasSuffix(":") { user = user.dropLast() }
                if user.hasSuffix("\"") { user = user.dropLast() }
                record.set("user.name", user)
            }
        } else if message.startsWith("no user/password was provided for basic authentication") {
            set("auth-missing-credentials", into: &record)
        } else if message.startsWith("PAM: user '"), let end = lastRange(of: "' - not authenticated", in: message) {
            set("auth-failure", into: &record)
            record.set("user.name", message[message.utf8.index(message.startIndex, offsetBy: 11)..<end.lowerBound])
            if let reason = message[end.upperBound...].after(": ") { record.set("event.reason", reason) }
        } else if message.startsWith("open() \""), let end = lastRange(of: "\" failed (", in: message) {
            let path = message[message.utf8.index(message.startIndex, offsetBy: 8)..<end.lowerBound]
            let errno = message[end.upperBound...]
            if errno.startsWith("2: ") || errno.startsWith("20: ") {
                set("file-not-found", into: &record)
            } else if errno.startsWith("13: ") {
                set("file-permission-denied", into: &record)
            }
            record.set("file.path", path)
        } else if message.startsWith("\""), let end = lastRange(of: "\" is not found (2: ", in: message) {
            set("file-not-found", into: &record)
            record.set("file.path", message[message.index(after: message.startIndex)..<end.lowerBound])
        } else if message.startsWith("directory index of \""), let end = lastRange(of: "\" is forbidden", in: message) {
            set("directory-index-forbidden", into: &record)
            record.set("file.path", message[message.utf8.index(message.startIndex, offsetBy: 20)..<end.lowerBound])
        } else if message.startsWith("access forbidden by rule") {
            set("authz-denied", into: &record)
        } else if message.startsWith("client sent too long URI") || message.startsWith("client sent too large request")
        {
            set("uri-too-long", into: &record)
        } else if message.startsWith("client sent invalid method") {
            set("invalid-method", into: &record)
        } else if message.startsWith("client sent ") {
            set("invalid-request", into: &record)
            traversal(into: &record)
        } else if message.startsWith("SSL_do_handshake() failed") {
            set("tls-handshake-failed", into: &record)
        } else if message.startsWith("SSL_"), message.has(") failed") {
            set("tls-error", into: &record)
        } else if message.startsWith("limiting requests") || message.startsWith("limiting connections") {
            set("rate-limited", into: &record)
        } else if message.startsWith("FastCGI sent in stderr: \"Primary script unknown") {
            set("script-not-found", into: &record)
        } else if message.has("upstream") {
            set("upstream-error", into: &record)
        }
    }

    private static func lastRange(of needle: String, in text: Substring) -> Range<Substring.Index>? {
        var found: Range<Substring.Index>?
        var search = text
        while let range = search.find(needle) {
            found = range
            search = text[range.upperBound...]
        }
        return found
    }

    /// An invalid request whose path climbs out of the root (decoded up to three times, `\` read
    /// as `/`) is `path-traversal`.
    private static func traversal(into record: inout NormalizedRecord) {
        // `url.path` is decoded up to three rounds already (`WebNormalizer.setURL`).
        guard let path = record.values["url.path"]?.stringValue else { return }
        let segments = path.utf8.split(omittingEmptySubsequences: false) {
            $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\")
        }
        if segments.contains(where: { $0.elementsEqual("..".utf8) }) { record.set("event.action", "path-traversal") }
    }
}

extension Substring {
    /// The text after `prefix` when the text starts with it.
    func afterPrefix(_ prefix: String) -> Substring? {
        startsWith(prefix) ? self[utf8.index(startIndex, offsetBy: prefix.utf8.count)...] : nil
    }
}
