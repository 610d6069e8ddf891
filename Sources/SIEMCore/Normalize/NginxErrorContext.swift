/// The context nginx appends to the error line of a request (`ngx_http_log_error_handler`):
/// `, client: A, server: S`, then in this order, each when present, `, request: "…"`,
/// `, subrequest: "…"`, `, upstream: "…"`, `, host: "…"`, `, referrer: "…"`.
///
/// nginx writes these values unescaped, and the message before them may carry client text too (a
/// Basic-auth user name, a decoded path), so the context is the first `, client: ` from which the
/// rest of the line parses as above: a value ends at the first `"` followed by a later key or by
/// the end of the line, and no value holds `, client: `. A context forged inside the message fails
/// that test, because the real one after it would have to sit inside one of its values; a request
/// URI that merely mentions `client: 1.2.3.4` is a value of the real context and moves nothing.
/// When none parses, the first `, client: ADDRESS` is taken. A value is searched only up to the
/// next `, client: `, so a line stuffed with candidates costs time linear in its length. `ambiguous` is set when the
/// line holds more than one `, client: ADDRESS`: some of it is forged, and a forgery inside the
/// request or referrer (after the real context) cannot be told from one inside the message.
struct NginxErrorContext {
    /// Where `, client: ` starts: the message ends here.
    var start: Substring.Index
    var client: Substring
    var fields: [(key: Substring, value: Substring)] = []
    var ambiguous = false

    subscript(key: String) -> Substring? { fields.first { $0.key == key }?.value }

    static let keys: [String] = ["request", "subrequest", "upstream", "host", "referrer"]

    static func find(in text: Substring) -> NginxErrorContext? {
        var found: NginxErrorContext?
        var fallback: NginxErrorContext?
        var addresses = 0
        var search = text
        while let marker = search.find(", client: ") {
            search = text[marker.upperBound...]
            guard let (client, rest) = address(search) else { continue }
            addresses += 1
            if fallback == nil { fallback = NginxErrorContext(start: marker.lowerBound, client: client) }
            if found == nil, let fields = tail(rest) {
                found = NginxErrorContext(start: marker.lowerBound, client: client, fields: fields)
            }
        }
        var context = found ?? fallback
        context?.ambiguous = addresses > 1
        return context
    }

    /// The client (an address, `1.2.3.4:5678` from the mail and stream modules, or `unix:`) and
    /// the text after it.
    private static func address(_ text: Substring) -> (Substring, Substring)? {
        let end = text.find(",")?.lowerBound ?? text.endIndex
        var value = text[..<end]
        if value == "unix:" { return (value, text[end...]) }
        if IPAddress.canonical(value) == nil, let colon = value.lastIndex(of: ":"),
            IPAddress.canonicalIPv4(value[..<colon].utf8) != nil
        {
            value = value[..<colon]
        }
        guard IPAddress.canonical(value) != nil else { return nil }
        return (value, text[end...])
    }

    /// `, server: S` and the quoted fields, in order, to the end of the line.
    private static func tail(_ text: Substring) -> [(key: Substring, value: Substring)]? {
        guard text.startsWith(", server: ") else { return text.isEmpty ? [] : nil }
        var rest = text.dropFirst(", server: ".utf8.count)
        let serverEnd = rest.find(",")?.lowerBound ?? rest.endIndex
        guard !rest[..<serverEnd].contains(where: { $0 == " " || $0 == "\"" }) else { return nil }
        rest = rest[serverEnd...]
        var fields: [(key: Substring, value: Substring)] = []
        var next = 0
        while !rest.isEmpty {
            guard let index = keys[next...].firstIndex(where: { rest.startsWith(", \($0): \"") }) else { return nil }
            let valueStart = rest.utf8.index(rest.startIndex, offsetBy: keys[index].utf8.count + 5)
            // The value may not reach the next `, client: `.
            let limit = rest[valueStart...].find(", client: ")?.lowerBound ?? rest.endIndex
            var probe = rest[valueStart..<limit]
            var valueEnd: Substring.Index?
            while let quote = probe.find("\"") {
                let after = rest[quote.upperBound...]
                if after.isEmpty || keys[(index + 1)...].contains(where: { after.startsWith(", \($0): \"") }) {
                    valueEnd = quote.lowerBound
                    break
                }
                probe = rest[quote.upperBound..<limit]
            }
            guard let valueEnd else { return nil }
            fields.append((Substring(keys[index]), rest[valueStart..<valueEnd]))
            rest = rest[rest.utf8.index(after: valueEnd)...]
            next = index + 1
        }
        return fields
    }
}
