/// pfSense (and OPNsense) `filterlog` lines, part of `log_type` `firewall`: one CSV record per
/// packet, as Netgate's "Raw Filter Log Format" documents it.
///
/// `rule,subrule,anchor,tracker,interface,reason,action,direction,ipversion,` then for IPv4
/// `tos,ecn,ttl,id,offset,flags,protoid,proto,` and for IPv6 `class,flowlabel,hoplimit,proto,
/// protoid,`, then `length,src,dst,` and for TCP/UDP `srcport,dstport,datalength` (TCP goes on
/// with flags, sequence, ack, window, urg, options); ICMP carries its type (`request`, `reply`,
/// `unreachport`, …) and the type's fields.
///
/// Keys: `event.action` (pfSense's word: `block`, `pass`, `reject`, …), `event.type` (`denied`
/// or `allowed`), `event.reason` (pf's reason when it is not `match`), `rule.id` (the tracker),
/// `rule.ruleset` (the anchor), `observer.ingress.interface.name` (direction in) or
/// `observer.egress.interface.name` (out), `network.direction` (`ingress`/`egress`),
/// `network.type` (`ipv4`/`ipv6`), `network.transport`, `network.iana_number`, `network.bytes`,
/// `source.ip`, `source.port`, `destination.ip`, `destination.port`, `icmp.type`.
enum PfSenseNormalizer {
    /// Whether `body` starts like a filterlog record (cheap; used by detection).
    static func looksLikeFilterlog(_ body: Substring) -> Bool {
        guard let first = body.utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return false }
        // Ten fields need nine commas; most lines that start with a digit (BIND's time) have none.
        var commas = 0
        for byte in body.utf8 where byte == UInt8(ascii: ",") {
            commas += 1
            if commas == 9 { break }
        }
        guard commas == 9 else { return false }
        let fields = body.prefix(160).split(separator: ",", maxSplits: 9, omittingEmptySubsequences: false)
        return fields.count == 10 && isHeader(fields)
    }

    private static func isHeader(_ fields: [Substring]) -> Bool {
        (fields[7] == "in" || fields[7] == "out") && (fields[8] == "4" || fields[8] == "6")
            && fields[0].allSatisfy(\.isNumber) && !fields[6].isEmpty && fields[6].allSatisfy(\.isLetter)
    }

    static func normalize(_ body: Substring, into record: inout NormalizedRecord) -> Bool {
        let fields = body.trimmed.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count >= 10, isHeader(fields) else { return false }
        let ipv6 = fields[8] == "6"
        // Where length, source and destination are; the protocol's own fields follow them.
        let lengthAt = ipv6 ? 14 : 17
        guard fields.count > lengthAt + 2 else { return false }
        let (protoText, protoID) = ipv6 ? (fields[12], fields[13]) : (fields[16], fields[15])
        let action = fields[6].lowercased()
        record.set("event.category", "network")
        record.set("event.action", action)
        if action == "block" || action == "reject" { record.set("event.type", "denied") }
        if action == "pass" { record.set("event.type", "allowed") }
        if fields[5] != "match" { record.set("event.reason", fields[5]) }
        record.set("rule.id", fields[3])
        record.set("rule.ruleset", fields[2])
        let inbound = fields[7] == "in"
        record.set(inbound ? "observer.ingress.interface.name" : "observer.egress.interface.name", fields[4])
        record.set("network.direction", inbound ? "ingress" : "egress")
        record.set("network.type", ipv6 ? "ipv6" : "ipv4")
        let transport =
            protoText.isEmpty ? FirewallNormalizer.transports[protoID] ?? String(protoID) : protoText.lowercased()
        record.set("network.transport", transport)
        record.setInt("network.iana_number", protoID)
        record.setInt("network.bytes", fields[lengthAt])
        record.setIP("source.ip", fields[lengthAt + 1])
        record.setIP("destination.ip", fields[lengthAt + 2])
        let data = fields[(lengthAt + 3)...]
        switch protoID {
        case "6", "17":
            if let port = data.first { record.setInt("source.port", port) }
            if data.count > 1 { record.setInt("destination.port", data[data.startIndex + 1]) }
        case "1", "58":
            if let type = data.first { record.set("icmp.type", type) }
        default: break
        }
        return record.has("source.ip") && record.has("destination.ip")
    }
}
