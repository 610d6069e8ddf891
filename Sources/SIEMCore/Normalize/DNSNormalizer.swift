import Foundation

/// DNS server logs (`log_type` `dns`): BIND query logs (with or without BIND's own time stamp,
/// category and severity; Infoblox's `response:` suffix), BIND's denied queries, zone transfers,
/// RPZ rewrites and dynamic updates, unbound's `log-queries`/`log-replies` lines and dnsmasq's
/// `query[TYPE] NAME from ADDRESS`.
///
/// Keys: `event.action` (`query`, `query-failed`, `query-denied`, `zone-transfer`,
/// `zone-transfer-denied`, `rpz-rewrite`, `dynamic-update`, `client-message`), `source.ip`/`client.ip`,
/// `source.port`, `destination.ip` (the listening address), `dns.question.name` (lowercased, no
/// trailing dot), `dns.question.type`, `dns.question.class`, `dns.response_code`,
/// `network.transport`.
///
/// The query name is the client's: fields are read in the order the server writes them (BIND's
/// `client` first after the category, dnsmasq's client after the last ` from `), never by
/// searching the line for a marker a name could carry.
enum DNSNormalizer {
    static func normalize(_ body: Substring, into record: inout NormalizedRecord) -> Bool {
        let text = prefixesRemoved(body.trimmed, into: &record)
        if let client = text.after(prefix: "client ") { return bind(client, into: &record) }
        if unbound(text, into: &record) { return true }
        if dnsmasq(text, into: &record) { return true }
        if let transfer = text.after(prefix: "transfer of '") {
            record.set("event.category", "network")
            record.set("event.action", "zone-transfer")
            guard let close = transfer.find("' ") ?? transfer.find("':") else {
                setZone(transfer, into: &record)
                return true
            }
            setZone(transfer[..<close.lowerBound], into: &record)
            if let from = transfer[close.lowerBound...].after(prefix: "' from ") {
                peer(from.firstWord.trimmingSuffix(":"), into: &record)
            }
            record.set("event.outcome", text.has("success") || text.has("completed") ? "success" : "unknown")
            return true
        }
        return false
    }

    /// BIND's own time stamp and `category: severity: ` words (`queries: info: `,
    /// `infoblox-responses: `), in any order; the time goes to `record`.
    static func prefixesRemoved(_ text: Substring, into record: inout NormalizedRecord) -> Substring {
        var rest = text
        for _ in 0..<4 {
            if let stamped = bindTime(rest, clock: record.clock) {
                record.time = stamped.0
                rest = stamped.1
                continue
            }
            let word = rest.utf8.prefix {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
            }
            if !word.isEmpty, let after = rest[word.endIndex...].after(prefix: ": ") {
                rest = after
            } else if let after = programTag(rest) ?? programTag(rest[rest.firstWord.endIndex...].trimmed) {
                rest = after
            } else {
                break
            }
        }
        return rest
    }

    /// The text after `name[pid]: ` (a syslog tag left in a line that has no syslog time).
    private static func programTag(_ text: Substring) -> Substring? {
        let name = text.utf8.prefix { $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: " ") }
        guard !name.isEmpty, let pid = text[name.endIndex...].after(prefix: "[") else { return nil }
        let digits = pid.leadingDigits
        guard !digits.isEmpty else { return nil }
        return pid[digits.endIndex...].after(prefix: "]: ")
    }

    /// BIND's `14-Mar-2026 08:00:01.123` (local time), then the rest of the line after it.
    static func bindTime(_ text: Substring, clock: LogClock) -> (Date, Substring)? {
        var cursor = ByteCursor(text)
        guard let day = cursor.number(digits: 2), cursor.skip("-"), let month = cursor.monthName(), cursor.skip("-"),
            let year = cursor.number(digits: 4), cursor.skip(" "), var wall = cursor.clockTime()
        else { return nil }
        wall.year = year
        wall.month = month
        wall.day = day
        guard let date = clock.local(wall) else { return nil }
        cursor.skipSpaces()
        return (date, cursor.rest)
    }

    /// `client [@0x…] ADDRESS#PORT[ (NAME)][:][ view V:][ UDP:|TCP:] MESSAGE`.
    private static func bind(_ client: Substring, into record: inout NormalizedRecord) -> Bool {
        var rest = client
        if rest.startsWith("@") { rest = rest[rest.firstWord.endIndex...].trimmed }
        let peerWord = rest.firstWord
        let address = peerWord.trimmingSuffix(":")
        guard address.has("#") else { return false }
        peer(address, into: &record)
        if let address = record.values["source.ip"] { record.set("client.ip", address) }
        record.set("event.category", "network")
        rest = rest[peerWord.endIndex...]
        if let named = rest.after(prefix: " ("), let close = named.utf8.firstIndex(of: UInt8(ascii: ")")) {
            let name = named[..<close]
            if !name.has(" ") { setName(name, into: &record) }
            rest = named[named.utf8.index(after: close)...]
        }
        rest = (rest.after(prefix: ":") ?? rest).trimmed
        if let view = rest.after(prefix: "view "), let colon = view.find(": ") { rest = view[colon.upperBound...] }
        for (prefix, transport) in [("UDP: ", "udp"), ("TCP: ", "tcp")] {
            if let after = rest.after(prefix: prefix) {
                record.set("network.transport", transport)
                rest = after
            }
        }
        return message(rest, into: &record)
    }

    /// What BIND says about the client's request.
    private static func message(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        if let query = text.after(prefix: "query: ") {
            record.set("event.action", "query")
            let words = query.words
            if words.count >= 3 {
                setName(words[0], into: &record)
                record.set("dns.question.class", words[1])
                record.set("dns.question.type", words[2])
            }
            if words.count >= 5, words[3] == "response:" {
                record.set("dns.response_code", words[4])
                record.set("event.outcome", words[4] == "NOERROR" ? "success" : "failure")
            } else if words.count >= 4 {
                let flags = words[3]
                if flags.startsWith("+") || flags.startsWith("-") {
                    record.set("network.transport", flags.has("T") ? "tcp" : "udp")
                }
                if words.count >= 5, words[4].startsWith("("), words[4].hasSuffix(")") {
                    record.setIP("destination.ip", words[4].dropFirst().dropLast())
                }
            }
            return true
        }
        if let failed = text.after(prefix: "query failed (") {
            record.set("event.action", "query-failed")
            record.set("event.outcome", "failure")
            if let code = failed.before(")") { record.set("dns.response_code", code) }
            if let question = failed.word(after: ") for ") { setQuestion(question, order: .classType, into: &record) }
            return true
        }
        if let question = quoted(text, after: "zone transfer '", before: "' denied") {
            record.set("event.action", "zone-transfer-denied")
            record.set("event.outcome", "failure")
            setQuestion(question, order: .typeClass, into: &record)
            return true
        }
        if let query = text.after(prefix: "query "),
            let question = quoted(query.after(prefix: "(cache) ") ?? query, after: "'", before: "' denied")
        {
            record.set("event.action", "query-denied")
            record.set("event.outcome", "failure")
            setQuestion(question, order: .typeClass, into: &record)
            return true
        }
        if let transfer = quoted(text, after: "transfer of '", before: "'") {
            record.set("event.action", "zone-transfer")
            setZone(transfer, into: &record)
            record.set("dns.question.type", text.has("IXFR") ? "IXFR" : "AXFR")
            return true
        }
        if let request = quoted(text, after: "bad zone transfer request: '", before: "'") {
            record.set("event.action", "zone-transfer-denied")
            record.set("event.outcome", "failure")
            setZone(request, into: &record)
            return true
        }
        if let original = quoted(text, after: "rewriting query name '", before: "'") {
            record.set("event.action", "rpz-rewrite")
            setName(original, into: &record)
            if let type = text.lastRange(of: ", type ") {
                record.set("dns.question.type", text[type.upperBound...].firstWord)
            }
            return true
        }
        if let update = text.after(prefix: "updating zone '") {
            record.set("event.action", "dynamic-update")
            if let name = update.after(" at '")?.before("'") {
                setName(name, into: &record)
            } else {
                setZone(update.before("'") ?? update, into: &record)
            }
            return true
        }
        record.set("event.action", "client-message")
        return true
    }

    /// The text between `open` (which `text` starts with) and the next `close`.
    private static func quoted(_ text: Substring, after open: String, before close: String) -> Substring? {
        guard let rest = text.after(prefix: open) else { return nil }
        return rest.before(close)
    }

    /// dnsmasq: `query[A] www.example.com from 192.0.2.7`, after `log-queries=extra`'s
    /// `ID ADDRESS/PORT ` too.
    private static func dnsmasq(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        var rest = text
        if let bracket = rest.find(" query["),
            bracket.lowerBound < rest.utf8.index(rest.startIndex, offsetBy: min(64, rest.utf8.count))
        {
            rest = rest[rest.utf8.index(after: bracket.lowerBound)...]
        }
        guard let query = rest.after(prefix: "query["), let close = query.utf8.firstIndex(of: UInt8(ascii: "]")),
            let from = query.lastRange(of: " from ")
        else { return false }
        let client = query[from.upperBound...]
        guard IPAddress.canonical(client) != nil, let name = query[query.utf8.index(after: close)...].after(prefix: " ")
        else { return false }
        record.set("event.category", "network")
        record.set("event.action", "query")
        record.setIP("source.ip", client.unmappedAddress)
        record.setIP("client.ip", client.unmappedAddress)
        record.set("dns.question.type", query[..<close])
        setName(name[..<from.lowerBound], into: &record)
        return true
    }

    /// unbound: `192.0.2.1 www.example.com. A IN` (query) or the same with `NOERROR 0.000 0 45`.
    private static func unbound(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        guard IPAddress.canonical(text.firstWord) != nil else { return false }
        let words = text.leadingCharacters(600).words
        guard words.count >= 4, IPAddress.canonical(words[0]) != nil, words[1].hasSuffix(".") else { return false }
        record.set("event.category", "network")
        record.set("event.action", "query")
        record.setIP("source.ip", words[0].unmappedAddress)
        record.setIP("client.ip", words[0].unmappedAddress)
        setName(words[1], into: &record)
        record.set("dns.question.type", words[2])
        record.set("dns.question.class", words[3])
        if words.count >= 5 {
            record.set("dns.response_code", words[4])
            record.set("event.outcome", words[4] == "NOERROR" ? "success" : "failure")
        }
        return true
    }

    /// `192.0.2.1#53`.
    private static func peer(_ text: Substring, into record: inout NormalizedRecord) {
        guard let hash = text.lastIndex(of: "#") else {
            record.setIP("source.ip", text.unmappedAddress)
            return
        }
        record.setIP("source.ip", text[..<hash].unmappedAddress)
        record.setInt("source.port", text[text.index(after: hash)...])
    }

    enum QuestionOrder { case typeClass, classType }

    /// `name/TYPE/CLASS` (denied queries) or `name/CLASS/TYPE` (failed queries).
    private static func setQuestion(_ text: Substring, order: QuestionOrder, into record: inout NormalizedRecord) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            setName(text, into: &record)
            return
        }
        setName(parts[0], into: &record)
        record.set("dns.question.type", order == .typeClass ? parts[1] : parts[2])
        record.set("dns.question.class", order == .typeClass ? parts[2] : parts[1])
    }

    /// `zone/IN`.
    private static func setZone(_ text: Substring, into record: inout NormalizedRecord) {
        let parts = text.split(separator: "/")
        if let zone = parts.first { setName(zone, into: &record) }
        if parts.count > 1 { record.set("dns.question.class", parts[1]) }
    }

    private static func setName(_ name: Substring, into record: inout NormalizedRecord) {
        var value = name
        if value.count > 1, value.hasSuffix(".") { value = value.dropLast() }
        record.set("dns.question.name", value.lowercased())
    }
}
