import Foundation

/// Web server logs (`log_type` `web`): Apache/nginx common and combined access lines (an optional
/// `vhost:port` first), JSON access records, and the client address of Apache/nginx error lines.
///
/// Keys: `source.ip`, `user.name`, `http.request.method`, `url.original` (the request target as
/// logged), `url.path` and `url.query` (decoded, see `URLDecoding`), `http.version`,
/// `http.response.status_code`, `http.response.body.bytes`, `http.request.referrer` and
/// `user_agent.original` (as logged) with `http.request.referrer_decoded` and
/// `user_agent.decoded` when decoding changes them, `url.domain` (vhost), `event.outcome`
/// (failure from status 400); `log.flags` `url_double_encoded`, `url_nul_byte`, … from decoding.
enum WebNormalizer {
    static func normalize(_ body: Substring, into record: inout NormalizedRecord) -> Bool {
        let text = body.trimmed
        if text.startsWith("{") { return json(text, into: &record) }
        if access(text, into: &record) { return true }
        return errorLine(text, into: &record)
    }

    /// Whether `text` looks like an access line: an address or host, then ` - ` or ` … [`.
    static func looksLikeAccess(_ text: Substring) -> Bool {
        guard let bracket = text.find(" ["), let quote = text.find("] \"") else { return false }
        return bracket.lowerBound < quote.lowerBound
            && text.utf8.distance(from: text.startIndex, to: bracket.lowerBound) < 300
    }

    /// `HOST IDENT USER [TIME] "REQUEST" STATUS BYTES ["REFERRER" "AGENT"]`. The user is what the
    /// client sent for Basic authentication, so it may hold spaces and brackets: the time is the
    /// first ` [` that reads as one and is followed by `] "` (servers escape `"` in the user).
    private static func access(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        guard let (open, close, time) = timeField(text, clock: record.clock) else { return false }
        var head = text[..<open.lowerBound].words
        guard head.count >= 3 else { return false }
        if head.count >= 4, IPAddress.canonical(head[0]) == nil, IPAddress.canonical(head[1]) != nil {
            record.set("url.domain", (head[0].before(":") ?? head[0]).lowercased())
            head.removeFirst()
        }
        guard IPAddress.canonical(head[0]) != nil || NormalizedRecord.isHostName(head[0]) else { return false }
        var cursor = ByteCursor(text[close.upperBound...])
        guard let request = quoted(&cursor) else { return false }
        cursor.skipSpaces()
        let statusStart = cursor.index
        guard let status = cursor.number(maxDigits: 3), cursor.peek == nil || cursor.peek == UInt8(ascii: " ") else {
            cursor.index = statusStart
            return false
        }
        record.set("event.category", "web")
        record.set("event.action", "http-request")
        record.setAddress("source", head[0].unmappedAddress)
        record.set("user.name", text[head[1].endIndex..<open.lowerBound].trimmed)
        if let time { record.time = time }
        var findings = URLDecoding.Findings()
        requestLine(request, logEscapes: true, findings: &findings, into: &record)
        record.set("http.response.status_code", .int(Int64(status)))
        record.set("event.outcome", status >= 400 ? "failure" : "success")
        cursor.skipSpaces()
        let bytesWord = cursor.rest.firstWord
        record.setInt("http.response.body.bytes", bytesWord)
        cursor.index = bytesWord.endIndex
        cursor.skipSpaces()
        if let referrer = quoted(&cursor) {
            setDecoded(
                "http.request.referrer", "http.request.referrer_decoded", referrer, logEscapes: true, &findings, &record
            )
            cursor.skipSpaces()
            if let agent = quoted(&cursor) {
                setDecoded("user_agent.original", "user_agent.decoded", agent, logEscapes: true, &findings, &record)
            }
        }
        for flag in findings.flags { record.flag(flag) }
        return true
    }

    /// The ` [` and `] "` around the time, and the time; the first pair whose text is a time,
    /// else the first pair.
    private static func timeField(
        _ text: Substring, clock: LogClock
    ) -> (open: Range<Substring.Index>, close: Range<Substring.Index>, time: Date?)? {
        var first: (Range<Substring.Index>, Range<Substring.Index>)?
        var search = text[...]
        while let open = search.find(" [") {
            let rest = text[open.upperBound...]
            if let close = rest.leadingCharacters(48).find("] \"") {
                let range = close.lowerBound..<text.utf8.index(close.lowerBound, offsetBy: 2)
                if let time = accessTime(text[open.upperBound..<close.lowerBound], clock: clock) {
                    return (open, range, time)
                }
                if first == nil { first = (open, range) }
            }
            search = rest
        }
        return first.map { ($0.0, $0.1, nil) }
    }
    /// `GET /path?q HTTP/1.1`; anything else (TLS bytes sent to port 80) is kept whole.
    private static func requestLine(
        _ request: Substring, logEscapes: Bool, findings: inout URLDecoding.Findings,
        into record: inout NormalizedRecord
    ) {
        let parts = request.words
        guard parts.count >= 2, parts[0].allSatisfy({ $0.isASCII && ($0.isUppercase || $0 == "-" || $0 == "_") })
        else {
            record.set("http.request.original", request)
            return
        }
        record.set("http.request.method", parts[0])
        let url: Substring
        if parts.count >= 3, parts[parts.count - 1].startsWith("HTTP/") {
            record.set("http.version", parts[parts.count - 1].dropFirst(5))
            url = request[parts[1].startIndex..<parts[parts.count - 2].endIndex]
        } else {
            url = request[parts[1].startIndex...]
        }
        setURL(url, logEscapes: logEscapes, findings: &findings, into: &record)
    }

    /// `url.original` as given; `url.path` and `url.query` decoded (split at the first `?` as sent,
    /// so an encoded `%3F` stays in the path).
    static func setURL(
        _ url: Substring, logEscapes: Bool, findings: inout URLDecoding.Findings, into record: inout NormalizedRecord
    ) {
        record.set("url.original", url)
        var path = url
        if let question = url.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = url[..<question]
            let query = url[url.utf8.index(after: question)...]
            record.set(
                "url.query",
                URLDecoding.decode(query, plusAsSpace: true, logEscapes: logEscapes, findings: &findings)
                    ?? String(query))
        }
        record.set("url.path", URLDecoding.decode(path, logEscapes: logEscapes, findings: &findings) ?? String(path))
    }

    /// `key` as given and `decodedKey` when decoding changes it.
    private static func setDecoded(
        _ key: String, _ decodedKey: String, _ value: Substring, logEscapes: Bool,
        _ findings: inout URLDecoding.Findings, _ record: inout NormalizedRecord
    ) {
        record.set(key, value)
        if let decoded = URLDecoding.decode(value, logEscapes: logEscapes, findings: &findings), decoded != value {
            record.set(decodedKey, decoded)
        }
    }

    /// A `"…"` field; `\"` and `\\` stay escaped as the server wrote them.
    private static func quoted(_ cursor: inout ByteCursor) -> Substring? {
        guard cursor.skip("\"") else { return nil }
        let start = cursor.index
        while let byte = cursor.peek {
            if byte == UInt8(ascii: "\\") {
                cursor.advance()
                if cursor.peek != nil { cursor.advance() }
                continue
            }
            if byte == UInt8(ascii: "\"") {
                let value = cursor.text[start..<cursor.index]
                cursor.advance()
                return value
            }
            cursor.advance()
        }
        return nil
    }

    /// `25/Oct/2015:04:11:25 +0100`.
    static func accessTime(_ text: Substring, clock: LogClock) -> Date? {
        var cursor = ByteCursor(text)
        guard let day = cursor.number(maxDigits: 2), cursor.skip("/"), let month = cursor.monthName(), cursor.skip("/"),
            let year = cursor.number(digits: 4), cursor.skip(":"), var wall = cursor.clockTime()
        else { return nil }
        wall.year = year
        wall.month = month
        wall.day = day
        cursor.skipSpaces()
        guard let sign = cursor.peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else {
            return clock.local(wall)
        }
        cursor.advance()
        guard let hours = cursor.number(digits: 2), let minutes = cursor.number(digits: 2),
            let seconds = wall.secondsSinceEpochAsUTC
        else { return nil }
        let offset = Double(hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "+") ? 1 : -1)
        return Date(timeIntervalSince1970: seconds - offset)
    }

    /// Apache `[client 1.2.3.4:5678]` and nginx `, client: 1.2.3.4, server: …` error lines.
    private static func errorLine(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        var client: Substring?
        if let value = text.word(after: "[client ") {
            var address = value.trimmingSuffix("]")
            if IPAddress.canonical(address) == nil, let colon = address.lastIndex(of: ":") {
                address = address[..<colon]
            }
            client = address
        } else if let value = text.word(after: "client: ") {
            client = value.trimmingSuffix(",")
        }
        guard let client else { return false }
        record.set("event.category", "web")
        record.set("event.action", "http-error")
        record.set("event.outcome", "failure")
        record.setAddress("source", client.unmappedAddress)
        if let request = text.after("request: \"")?.before("\"") {
            var findings = URLDecoding.Findings()
            requestLine(request, logEscapes: true, findings: &findings, into: &record)
            for flag in findings.flags { record.flag(flag) }
        }
        return true
    }

    /// A JSON access record, with the field names nginx, Apache and proxies commonly use.
    static func json(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        guard case .object(let object)? = try? JSONParser.parse(Array(text.utf8)) else { return false }
        return fields(object, into: &record)
    }

    static func fields(_ object: [String: JSONValue], into record: inout NormalizedRecord) -> Bool {
        func first(_ names: [String]) -> String? {
            for name in names { if let text = object[name]?.scalarText, !text.isEmpty, text != "-" { return text } }
            return nil
        }
        let status = first(["status", "status_code", "response_code", "http_status", "sc-status"]).flatMap { Int64($0) }
        let request = first(["request"])
        let method = first(["request_method", "method", "http_method", "cs-method"])
        let url = first(["request_uri", "uri", "url", "path", "cs-uri-stem"])
        guard status != nil || request != nil || (method != nil && url != nil) else { return false }
        record.set("event.category", "web")
        record.set("event.action", "http-request")
        if let address = first(["remote_addr", "client_ip", "clientip", "client", "src_ip", "remote_ip", "ip", "c-ip"])
        {
            record.setAddress("source", Substring(address).unmappedAddress)
        }
        if let user = first(["remote_user", "user", "cs-username"]) { record.set("user.name", user) }
        var findings = URLDecoding.Findings()
        if let request { requestLine(Substring(request), logEscapes: false, findings: &findings, into: &record) }
        if let method { record.set("http.request.method", method.uppercased()) }
        if let url, !record.has("url.original") {
            var full = url
            if let query = first(["query_string", "args", "cs-uri-query"]), !url.contains("?") { full += "?" + query }
            setURL(Substring(full), logEscapes: false, findings: &findings, into: &record)
        }
        if let status {
            record.set("http.response.status_code", .int(status))
            record.set("event.outcome", status >= 400 ? "failure" : "success")
        }
        if let bytes = first(["body_bytes_sent", "bytes_sent", "bytes", "size", "sc-bytes"]) {
            record.setInt("http.response.body.bytes", bytes)
        }
        if let referrer = first(["http_referer", "referer", "referrer", "cs(Referer)"]) {
            setDecoded(
                "http.request.referrer", "http.request.referrer_decoded", Substring(referrer), logEscapes: false,
                &findings, &record)
        }
        if let agent = first(["http_user_agent", "user_agent", "agent", "ua", "cs(User-Agent)"]) {
            setDecoded(
                "user_agent.original", "user_agent.decoded", Substring(agent), logEscapes: false, &findings, &record)
        }
        for flag in findings.flags { record.flag(flag) }
        if let host = first(["host", "http_host", "server_name", "vhost"]) {
            record.set("url.domain", host.lowercased())
        }
        if let stamp = first(["time_iso8601", "@timestamp", "timestamp", "time"]) {
            record.time = record.clock.rfc3339(Substring(stamp))
        } else if let stamp = first(["time_local"]) {
            record.time = accessTime(Substring(stamp), clock: record.clock)
        }
        return true
    }
}
