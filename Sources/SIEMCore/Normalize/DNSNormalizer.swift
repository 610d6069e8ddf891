import Foundation

/// DNS server logs (`log_type` `dns`): BIND query logs (with or without BIND's own time stamp,
/// category and severity; Infoblox's `response:` suffix), BIND's denied queries, zone transfers,
/// RPZ rewrites and dynamic updates, and unbound's `log-queries`/`log-replies` lines.
///
/// Keys: `event.action` (`query`, `query-failed`, `query-denied`, `zone-transfer`,
/// `zone-transfer-denied`, `rpz-rewrite`, `dynamic-update`), `source.ip`/`client.ip`,
/// `source.port`, `destination.ip` (the listening address), `dns.question.name` (lowercased, no
/// trailing dot), `dns.question.type`, `dns.question.class`, `dns.response_code`,
/// `network.transport`.
enum DNSNormalizer {
    static func normalize(_ body: Substring, into record: inout NormalizedRecord) -> Bool {
        var text = body.trimmed
        if let stamped = bindTime(text, clock: record.clock) {
            record.time = stamped.0
            text = stamped.1
        }
        if let client = text.after("client ") { return bind(text, client: client, into: &record) }
        if let info = text.after("info: ") ?? text.after("reply: "), unbound(info, into: &record) { return true }
        if let transfer = text.after("transfer of '") {
            record.set("event.category", "network")
            record.set("event.action", "zone-transfer")
            setZone(transfer.before("'") ?? transfer, into: &record)
            if let from = text.word(after: " from ") { peer(from.trimmingSuffix(":"), into: &record) }
            record.set("event.outcome", text.has("success") || text.has("completed") ? "success" : "unknown")
            return true
        }
        return false
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

    private static func bind(_ text: Substring, client: Substring, into record: inout NormalizedRecord) -> Bool {
        var rest = client
        if rest.startsWith("@") { rest = rest.drop { $0 != " " }.dropFirst() }
        let peerWord = rest.firstWord.trimmingSuffix(":")
        guard peerWord.has("#") else { return false }
        peer(peerWord, into: &record)
        if let address = record.values["source.ip"] { record.set("client.ip", address) }
        record.set("event.category", "network")
        let afterPeer = rest[rest.firstWord.endIndex...]
        if afterPeer.startsWith(" ("), let name = afterPeer.dropFirst(2).before(")"), !name.has(" ") {
            setName(name, into: &record)
        }
        if text.has(" TCP: ") { record.set("network.transport", "tcp") }
        if text.has(" UDP: ") { record.set("network.transport", "udp") }
        if let query = text.after(" query: ") {
            record.set("event.action", "query")
            let words = query.words
            if words.count >= 3 {
                setName(words[0], into: &record)
                record.set("dns.question.class", words[1])
                record.set("dns.question.type", words[2])
            }
            if let response = query.word(after: "response: ") {
                record.set("dns.response_code", response)
                record.set("event.outcome", response == "NOERROR" ? "success" : "failure")
            } else if words.count >= 4 {
                let flags = words[3]
                if flags.startsWith("+") || flags.startsWith("-") {
                    record.set("network.transport", flags.has("T") ? "tcp" : "udp")
                }
                if let last = words.last, last.startsWith("("), last.hasSuffix(")") {
                    record.setIP("destination.ip", last.dropFirst().dropLast())
                }
            }
            return true
        }
        if let failed = text.after(" query failed (") {
            record.set("event.action", "query-failed")
            record.set("event.outcome", "failure")
            if let code = failed.before(")") { record.set("dns.response_code", code) }
            if let question = failed.word(after: " for ") { setQuestion(question, order: .classType, into: &record) }
            return true
        }
        if text.has("zone transfer '"), text.has("' denied") {
            record.set("event.action", "zone-transfer-denied")
            record.set("event.outcome", "failure")
            if let question = text.after("zone transfer '")?.before("'") {
                setQuestion(question, order: .typeClass, into: &record)
            }
            return true
        }
        if text.has(" query"), text.has("' denied"), let question = text.after(" '")?.before("'") {
            record.set("event.action", "query-denied")
            record.set("event.outcome", "failure")
            setQuestion(question, order: .typeClass, into: &record)
            return true
        }
        if let transfer = text.after("transfer of '") {
            record.set("event.action", "zone-transfer")
            setZone(transfer.before("'") ?? transfer, into: &record)
            record.set("dns.question.type", text.has("IXFR") ? "IXFR" : "AXFR")
            return true
        }
        if let request = text.after("bad zone transfer request: '") {
            record.set("event.action", "zone-transfer-denied")
            record.set("event.outcome", "failure")
            setZone(request.before("'") ?? request, into: &record)
            return true
        }
        if let original = text.after("rewriting query name '") {
            record.set("event.action", "rpz-rewrite")
            if let name = original.before("'") { setName(name, into: &record) }
            if let type = text.word(after: ", type ") { record.set("dns.question.type", type) }
            return true
        }
        if let update = text.after("updating zone '") {
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

    /// unbound: `192.0.2.1 www.example.com. A IN` (query) or the same with `NOERROR 0.000 0 45`.
    private static func unbound(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        let words = text.words
        guard words.count >= 4, IPAddress.canonical(words[0]) != nil, words[1].hasSuffix(".") else { return false }
        record.set("event.category", "network")
        record.set("event.action", "query")
        record.setIP("source.ip", words[0])
        record.setIP("client.ip", words[0])
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
            record.setIP("source.ip", text)
            return
        }
        record.setIP("source.ip", text[..<hash])
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
