import Foundation

/// Apache httpd and nginx error logs (`log_type` `web_error`), alone or after a syslog header.
///
/// Apache 2.2/2.4: `[Sat Jul 20 21:34:49.453232 2013] [auth_basic:error] [pid 17512:tid 1401]
/// [client 127.0.0.1:51386] AH01618: user bob not found: /admin`; nginx: `2012/04/09 11:53:29
/// [error] 2865#0: *66647 user "xyz" was not found in "/etc/htpasswd", client: 192.0.2.1,
/// server: www, request: "GET / HTTP/1.1", host: "www"`.
///
/// The client is read from the line's structure, never from text inside the message: Apache's
/// `[client …]` (or `[remote …]`) is one of the bracketed fields before the message, and nginx's
/// `, client: A, server: S` is the first one from which the rest of the line parses as the context
/// nginx appends (see `NginxErrorContext`). `event.action` comes from the message (`WebErrorMessage`).
///
/// Keys: `event.category`, `event.action`, `event.outcome`, `event.reason`, `source.ip`,
/// `source.port`, `user.name`, `url.original`, `url.path` (percent-decoded), `url.query`,
/// `url.domain`, `http.request.method`, `http.version`, `http.request.referrer`, `file.path`,
/// `log.level`, `log.logger` (the Apache module), `process.pid`, `process.thread.id`, `error.code`
/// (`AH01618`), `error.message`.
enum WebErrorNormalizer {
    static func normalize(_ body: Substring, into record: inout NormalizedRecord) -> Bool {
        let text = body.trimmed
        if text.startsWith("[") { return apache(text, into: &record) }
        guard let start = nginxStart(text) else { return false }
        return nginx(text[start...], into: &record)
    }

    /// Whether `body` has the shape of an Apache or nginx error line (cheap; used by detection).
    static func looksLikeErrorLine(_ body: Substring) -> Bool {
        let text = body.trimmed
        if text.startsWith("[") {
            var cursor = ByteCursor(text)
            guard let first = bracket(&cursor) else { return false }
            if apacheTime(first) != nil { return cursor.peek == UInt8(ascii: " ") }
            guard level(first) != nil, cursor.skip(" ") else { return false }
            let rest = cursor.rest
            return rest.startsWith("[pid ") || rest.startsWith("[client ") || rest.startsWith("[remote ")
        }
        return nginxStart(text) != nil
    }

    static let levels: Set<Substring> = [
        "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug", "trace1", "trace2", "trace3", "trace4",
        "trace5", "trace6", "trace7", "trace8",
    ]

    /// `error` or `module:error` (Apache 2.4; the module may be empty): the level and the module.
    private static func level(_ group: Substring) -> (level: Substring, module: Substring?)? {
        if levels.contains(group) { return (group, nil) }
        guard let colon = group.lastIndex(of: ":") else { return nil }
        let level = group[group.index(after: colon)...]
        guard levels.contains(level) else { return nil }
        let module = group[..<colon]
        guard module.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else { return nil }
        return (level, module)
    }

    // MARK: Apache

    private static func apache(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        var cursor = ByteCursor(text)
        var sawLevel = false
        var client: Substring?
        var first = true
        while cursor.peek == UInt8(ascii: "[") {
            let before = cursor
            guard let group = bracket(&cursor) else { break }
            if first, let wall = apacheTime(group) {
                if let time = record.clock.local(wall) { record.time = time }
            } else if !sawLevel, let (level, module) = level(group) {
                sawLevel = true
                record.set("log.level", level)
                if let module { record.set("log.logger", module) }
            } else if group.startsWith("pid ") {
                let ids = group.dropFirst(4).split(separator: ":")
                if let pid = ids.first { record.setInt("process.pid", pid) }
                if ids.count > 1, ids[1].startsWith("tid ") { record.setInt("process.thread.id", ids[1].dropFirst(4)) }
            } else if client == nil, group.startsWith("client ") || group.startsWith("remote ") {
                client = group.dropFirst(7)
            } else {
                cursor = before
                break
            }
            first = false
            cursor.skipSpaces()
            // `(13)Permission denied: ` (APR's error) may stand between the pid and the client.
            if client == nil, cursor.peek == UInt8(ascii: "("), let colon = cursor.rest.find(": "),
                cursor.text[colon.upperBound...].startsWith("[client ")
                    || cursor.text[colon.upperBound...].startsWith("[remote ")
            {
                cursor.index = colon.upperBound
            }
        }
        guard sawLevel else { return false }
        if let client { setClient(client, into: &record) }
        var message = cursor.rest
        if let code = message.firstWord.dropLast().nonEmpty, message.firstWord.hasSuffix(":"), isApacheCode(code) {
            record.set("error.code", code)
            message = message[message.firstWord.endIndex...].trimmed
        }
        if let comma = message.find(", referer: ") {
            record.set("http.request.referrer", message[comma.upperBound...])
            message = message[..<comma.lowerBound]
        }
        record.set("error.message", message)
        WebErrorMessage.apache(message, into: &record)
        finish(hasClient: client != nil, into: &record)
        return true
    }

    /// `AH01618`.
    private static func isApacheCode(_ word: Substring) -> Bool {
        word.utf8.count == 7 && word.startsWith("AH") && word.dropFirst(2).allSatisfy(\.isNumber)
    }

    /// `127.0.0.1`, `127.0.0.1:51380`, `2001:db8::1` (2.2) or `[2001:db8::1]:51548` (2.4).
    private static func setClient(_ text: Substring, into record: inout NormalizedRecord) {
        var address = text
        var port: Substring?
        if address.startsWith("["), let close = address.firstIndex(of: "]") {
            let after = address[address.index(after: close)...]
            if after.startsWith(":") { port = after.dropFirst() }
            address = address[address.index(after: address.startIndex)..<close]
        } else if IPAddress.canonical(address) == nil, let colon = address.lastIndex(of: ":") {
            port = address[address.index(after: colon)...]
            address = address[..<colon]
        }
        record.setAddress("source", address)
        if let port { record.setInt("source.port", port) }
    }

    /// A `[…]` group; it ends at a `]` followed by a space or the end, so `[client [::1]:80]` is one.
    private static func bracket(_ cursor: inout ByteCursor) -> Substring? {
        var probe = cursor
        guard probe.skip("[") else { return nil }
        let start = probe.index
        var scanned = 0
        while let byte = probe.peek, scanned < 256 {
            probe.advance()
            scanned += 1
            if byte == UInt8(ascii: "]"), probe.peek == nil || probe.peek == UInt8(ascii: " ") {
                let end = probe.text.utf8.index(before: probe.index)
                cursor = probe
                return probe.text[start..<end]
            }
        }
        return nil
    }

    /// `Sat Jul 20 21:34:49.453232 2013`, read in the local zone.
    private static func apacheTime(_ text: Substring) -> WallTime? {
        guard text.utf8.count >= 24, text.utf8.count <= 40 else { return nil }
        var cursor = ByteCursor(text)
        for _ in 0..<3 {
            guard let byte = cursor.peek, (byte | 0x20) >= UInt8(ascii: "a"), (byte | 0x20) <= UInt8(ascii: "z")
            else { return nil }
            cursor.advance()
        }
        guard cursor.skip(" "), let month = cursor.monthName(), cursor.skip(" ") else { return nil }
        cursor.skipSpaces()
        guard let day = cursor.number(maxDigits: 2), cursor.skip(" "), var wall = cursor.clockTime(),
            cursor.skip(" "), let year = cursor.number(digits: 4), cursor.peek == nil
        else { return nil }
        wall.year = year
        wall.month = month
        wall.day = day
        return wall
    }

    // MARK: nginx

    /// Where `yyyy/mm/dd hh:mm:ss [level] ` starts: at the beginning, or after a prefix such as a
    /// journal's `host nginx[983478]: ` that the syslog header did not take.
    private static func nginxStart(_ text: Substring) -> Substring.Index? {
        if nginxStamp(text) != nil { return text.startIndex }
        var search = text.leadingCharacters(200)
        while let colon = search.find(": ") {
            let rest = text[colon.upperBound...]
            if nginxStamp(rest) != nil { return rest.startIndex }
            search = search[colon.upperBound...]
        }
        return nil
    }

    /// The time and level of `2012/04/09 11:53:29 [error] `, and the cursor after it.
    private static func nginxStamp(_ text: Substring) -> (wall: WallTime, level: Substring, rest: Substring)? {
        var cursor = ByteCursor(text)
        guard let year = cursor.number(digits: 4), cursor.skip("/"), let month = cursor.number(digits: 2),
            cursor.skip("/"), let day = cursor.number(digits: 2), cursor.skip(" "), var wall = cursor.clockTime(),
            cursor.skip(" "), let group = bracket(&cursor), levels.contains(group), cursor.skip(" ")
        else { return nil }
        wall.year = year
        wall.month = month
        wall.day = day
        return (wall, group, cursor.rest)
    }

    private static func nginx(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        guard let (wall, level, rest) = nginxStamp(text) else { return false }
        if let time = record.clock.local(wall) { record.time = time }
        record.set("log.level", level)
        var body = rest
        // `2865#0: ` (pid and thread), then `*66647 ` (the connection) when there is one.
        let ids = body.firstWord
        if ids.hasSuffix(":"), let hash = ids.firstIndex(of: "#") {
            record.setInt("process.pid", ids[..<hash])
            record.setInt("process.thread.id", ids[ids.index(after: hash)..<ids.index(before: ids.endIndex)])
            body = body[ids.endIndex...].trimmed
        }
        if body.startsWith("*"), body.firstWord.dropFirst().allSatisfy(\.isNumber) {
            body = body[body.firstWord.endIndex...].trimmed
        }
        var message = body
        let context = NginxErrorContext.find(in: body)
        if let context {
            message = body[..<context.start]
            record.setAddress("source", context.client)
            if context.ambiguous { record.flag("client_ambiguous") }
            if let request = context["request"] { requestLine(request, into: &record) }
            if let host = context["host"] {
                let name = host.startsWith("[") ? host : (host.split(separator: ":").first ?? host)
                record.set("url.domain", name.lowercased())
            }
            if let referrer = context["referrer"] { record.set("http.request.referrer", referrer) }
        }
        record.set("error.message", message)
        WebErrorMessage.nginx(message, into: &record)
        finish(hasClient: context != nil, into: &record)
        return true
    }

    /// `GET /path?q HTTP/1.1`: the method, `url.original`, the decoded `url.path`, `url.query` and
    /// `http.version`. Anything else (binary junk) is kept whole in `url.original`.
    static func requestLine(_ request: Substring, into record: inout NormalizedRecord) {
        let parts = request.words
        guard parts.count >= 2, parts[0].allSatisfy({ $0.isASCII && ($0.isUppercase || $0 == "-" || $0 == "_") })
        else {
            return
        }
        record.set("http.request.method", parts[0])
        var url = request[parts[1].startIndex...]
        if parts.count >= 3, parts[parts.count - 1].startsWith("HTTP/") {
            record.set("http.version", parts[parts.count - 1].dropFirst(5))
            url = request[parts[1].startIndex..<parts[parts.count - 2].endIndex]
        }
        setURL(url, into: &record)
    }

    /// `url.original` as logged, `url.path` and `url.query` decoded exactly as access lines decode
    /// them (`WebNormalizer.setURL`), so rules read one form of both.
    static func setURL(_ url: Substring, into record: inout NormalizedRecord) {
        var findings = URLDecoding.Findings()
        WebNormalizer.setURL(url, logEscapes: true, findings: &findings, into: &record)
        for flag in findings.flags { record.flag(flag) }
    }

    /// A line whose message no rule of `WebErrorMessage` names is still an error of that client.
    private static func finish(hasClient: Bool, into record: inout NormalizedRecord) {
        if !record.has("event.action"), hasClient {
            record.set("event.category", "web")
            record.set("event.action", "http-error")
        }
    }
}

extension Substring {
    /// nil when empty.
    var nonEmpty: Substring? { isEmpty ? nil : self }
}
