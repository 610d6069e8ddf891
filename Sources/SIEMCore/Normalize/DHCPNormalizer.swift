/// ISC dhcpd lines (`log_type` `dhcp`): `DHCPDISCOVER from MAC (host) via eth0`,
/// `DHCPOFFER on IP to MAC (host) via eth0`, `DHCPREQUEST for IP (server) from MAC …`,
/// `DHCPACK on IP to MAC …` / `DHCPACK to IP (MAC) …`, `DHCPNAK`, `DHCPRELEASE of IP from MAC …`,
/// `DHCPDECLINE`, `DHCPINFORM from IP`, `DHCPEXPIRE`, `DHCPLEASEQUERY`, pool exhaustion
/// (`no free leases`) and abandoned addresses.
///
/// Keys: `event.action` (the message type in lower case: `dhcpack`, …, or `abandon-lease`),
/// `client.ip` (the leased or requested address), `client.mac`, `client.domain` (the client's
/// host name as sent), `observer.ingress.interface.name` (`via`), `event.outcome` (failure for NAK,
/// DECLINE, no free leases, ignored and failed requests), `event.reason` (the text after `: `).
enum DHCPNormalizer {
    static func normalize(_ body: Substring, into record: inout NormalizedRecord) -> Bool {
        let text = body.trimmed
        if text.startsWith("Abandoning IP address ") {
            record.set("event.category", "network")
            record.set("event.action", "abandon-lease")
            record.set("event.outcome", "failure")
            if let address = text.word(after: "address ") { record.setIP("client.ip", address.trimmingSuffix(":")) }
            if let reason = text.after(": ") { record.set("event.reason", reason.trimmingSuffix(".")) }
            return true
        }
        if text.startsWith("reuse_lease: "), let address = text.words.last {
            record.set("event.category", "network")
            record.set("event.action", "reuse-lease")
            record.setIP("client.ip", address)
            return true
        }
        if text.startsWith("ICMP Echo reply while lease "), let address = text.word(after: "lease ") {
            record.set("event.category", "network")
            record.set("event.action", "lease-in-use")
            record.setIP("client.ip", address)
            return true
        }
        guard text.startsWith("DHCP") else { return false }
        let type = text.firstWord
        guard type.count > 4, type.allSatisfy({ $0.isASCII && $0.isUppercase }) else { return false }
        let words = text.words
        guard words.count >= 3 else { return false }
        record.set("event.category", "network")
        record.set("event.action", type.lowercased())
        var index = 1
        while index < words.count - 1 {
            let word = words[index]
            let next = words[index + 1].trimmingSuffix(":")
            switch word {
            case "on", "for", "of", "to", "from":
                if isMAC(next) {
                    if !record.has("client.mac") { record.set("client.mac", next.lowercased()) }
                } else if !record.has("client.ip") {
                    record.setIP("client.ip", next)
                }
                index += 1
                if index + 1 < words.count, words[index + 1].startsWith("("), !words[index + 1].hasSuffix("found)") {
                    let inner = words[index + 1].dropFirst().trimmingSuffix(":").trimmingSuffix(")")
                    if isMAC(inner) {
                        record.set("client.mac", inner.lowercased())
                    } else if IPAddress.canonical(inner) != nil {
                        record.setIP("server.ip", inner)
                    } else if !inner.isEmpty {
                        record.set("client.domain", inner)
                    }
                    index += 1
                }
            case "via":
                let via = next
                if IPAddress.canonical(via) != nil {
                    record.setIP("network.forwarded_ip", via)
                } else {
                    record.set("observer.ingress.interface.name", via)
                }
                index += 1
            case "TransID":
                record.set("dhcp.transaction_id", next)
                index += 1
            default: break
            }
            index += 1
        }
        var failure = type == "DHCPNAK" || type == "DHCPDECLINE"
        if let colon = text.find(": ") {
            let reason = text[colon.upperBound...].trimmingSuffix("\\n").trimmingSuffix(".")
            record.set("event.reason", reason)
            if reason.has("no free leases") || reason.has("ignored") || reason.has("failed")
                || reason.has("unknown lease")
                || reason.has("not allowed") || reason.has("abandoned")
            {
                failure = true
            }
            if let network = reason.word(after: "network ") { record.set("network.name", network.trimmingSuffix(":")) }
        }
        if failure {
            record.set("event.outcome", "failure")
        } else if type == "DHCPACK" {
            record.set("event.outcome", "success")
        }
        return record.has("client.mac") || record.has("client.ip")
    }

    /// Six hex octets separated by colons.
    static func isMAC(_ text: Substring) -> Bool {
        guard text.utf8.count == 17 else { return false }
        for (offset, byte) in text.utf8.enumerated() {
            if offset % 3 == 2 {
                if byte != UInt8(ascii: ":") { return false }
            } else if !(byte >= 48 && byte <= 57) && !((byte | 0x20) >= 97 && (byte | 0x20) <= 102) {
                return false
            }
        }
        return true
    }
}
