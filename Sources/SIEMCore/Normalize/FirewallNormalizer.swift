import Foundation

/// Host firewall lines (`log_type` `firewall`): netfilter `LOG` target output with a UFW or custom
/// prefix (`[UFW BLOCK] IN=eth0 OUT= MAC=… SRC=… DST=… PROTO=TCP SPT=… DPT=…`), scanlogd and
/// portsentry reports, and pfSense/OPNsense `filterlog` CSV (see `PfSenseNormalizer`).
///
/// Keys: `event.action` (`block`, `allow`, `audit`, `log`, `port-scan`), `event.type` (`denied` or
/// `allowed`), `rule.name` (the log prefix), `source.ip`, `source.port`, `source.mac`,
/// `destination.ip`, `destination.port`, `destination.mac`, `network.transport`,
/// `observer.ingress.interface.name`, `observer.egress.interface.name`.
enum FirewallNormalizer {
    /// `program` is the syslog tag: a prefix such as `DENY:` written where the tag goes is read
    /// as the syslog header's program, and stands for the prefix when the body has none.
    static func normalize(_ body: Substring, program: Substring? = nil, into record: inout NormalizedRecord) -> Bool {
        let text = body.trimmed
        if PfSenseNormalizer.looksLikeFilterlog(text) { return PfSenseNormalizer.normalize(text, into: &record) }
        if let start = text.find("IN="), text.has(" OUT=") {
            return netfilter(text, keysAt: start, program: program, into: &record)
        }
        if text.has(" ports "), let to = text.find(" to ") { return scanlogd(text, to: to, into: &record) }
        if text.has("Host: "), text.has(" Port: ") { return portsentry(text, into: &record) }
        return false
    }

    static let transports: [Substring: String] = [
        "1": "icmp", "2": "igmp", "6": "tcp", "17": "udp", "47": "gre", "50": "esp", "58": "ipv6-icmp", "132": "sctp",
    ]

    private static func netfilter(
        _ text: Substring, keysAt start: Range<Substring.Index>, program: Substring?,
        into record: inout NormalizedRecord
    ) -> Bool {
        var prefix = text[..<start.lowerBound].trimmed
        if prefix.isEmpty, let program, program != "kernel" { prefix = program }
        // The kernel's uptime stamp `[59194.422117]` is not part of the rule's prefix.
        if prefix.startsWith("["), let close = prefix.firstIndex(of: "]"),
            prefix[prefix.index(after: prefix.startIndex)..<close].allSatisfy({ $0 == "." || $0 == " " || $0.isNumber })
        {
            prefix = prefix[prefix.index(after: close)...].trimmed
        }
        let name = String(prefix.trimmingSuffix(":").trimmingBytes([UInt8(ascii: "["), UInt8(ascii: "]"), 0x20]))
        let upper = Substring(name.uppercased())
        let action: String
        if upper.containsText("BLOCK") || upper.containsText("DROP") || upper.containsText("DENY")
            || upper.containsText("REJECT") || upper.hasSuffix("-D")
        {
            action = "block"
        } else if upper.containsText("ALLOW") || upper.containsText("ACCEPT") || upper.hasSuffix("-A") {
            action = "allow"
        } else if upper.containsText("AUDIT") {
            action = "audit"
        } else {
            action = "log"
        }
        record.set("event.category", "network")
        record.set("event.action", action)
        if action == "block" { record.set("event.type", "denied") }
        if action == "allow" { record.set("event.type", "allowed") }
        record.set("rule.name", name)
        // Keys after a `[` belong to the packet quoted inside an ICMP error; the first value wins.
        for bytes in text[start.lowerBound...].utf8.split(separator: UInt8(ascii: " ")) {
            let word = Substring(bytes)
            if bytes.first == UInt8(ascii: "[") { break }
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = word[..<equals]
            let value = word[word.utf8.index(after: equals)...]
            switch key {
            case "IN": record.set("observer.ingress.interface.name", value)
            case "OUT": record.set("observer.egress.interface.name", value)
            case "SRC": if !record.has("source.ip") { record.setIP("source.ip", value) }
            case "DST": if !record.has("destination.ip") { record.setIP("destination.ip", value) }
            case "SPT": if !record.has("source.port") { record.setInt("source.port", value) }
            case "DPT": if !record.has("destination.port") { record.setInt("destination.port", value) }
            case "PROTO":
                if !record.has("network.transport") {
                    record.set("network.transport", transports[value] ?? value.lowercased())
                }
            case "MAC":
                // destination MAC, source MAC, ethertype: 6 + 6 + 2 octets.
                let octets = value.split(separator: ":")
                if octets.count >= 12 {
                    record.set("destination.mac", octets[0..<6].joined(separator: ":").lowercased())
                    record.set("source.mac", octets[6..<12].joined(separator: ":").lowercased())
                }
            case "LEN": if !record.has("network.bytes") { record.setInt("network.bytes", value) }
            default: break
            }
        }
        return record.has("source.ip") || record.has("destination.ip")
    }

    /// `192.0.2.123 to 192.0.2.1 ports 80, 81, …, fSrpauxy, TOS 00, TTL 49 @20:44:43`.
    private static func scanlogd(_ text: Substring, to: Range<Substring.Index>, into record: inout NormalizedRecord)
        -> Bool
    {
        let source = text[..<to.lowerBound].words.last ?? ""
        let destination = text[to.upperBound...].firstWord
        guard IPAddress.canonical(source) != nil else { return false }
        record.set("event.category", "network")
        record.set("event.action", "port-scan")
        record.setIP("source.ip", source)
        record.setIP("destination.ip", destination)
        if let ports = text.after(" ports ") {
            let numbers = ports.split(separator: ",").compactMap { Int64($0.trimmed) }
            record.set("destination.port", .array(numbers.map { .int($0) }))
        }
        return true
    }

    /// `… Host: 192.168.56.1/192.168.56.1 Port: 1 TCP Blocked`.
    private static func portsentry(_ text: Substring, into record: inout NormalizedRecord) -> Bool {
        guard let host = text.word(after: "Host: ") else { return false }
        let address = host.split(separator: "/").last ?? host
        guard IPAddress.canonical(address) != nil else { return false }
        record.set("event.category", "network")
        record.set("event.action", text.hasSuffix("Blocked") ? "block" : "port-scan")
        if text.hasSuffix("Blocked") { record.set("event.type", "denied") }
        record.setIP("source.ip", address)
        if let port = text.word(after: " Port: ") {
            record.setInt("destination.port", port)
            if let transport = text.after(" Port: ")?.words.dropFirst().first {
                record.set("network.transport", transport.lowercased())
            }
        }
        if let epoch = text.firstWord.isEmpty ? nil : Double(text.firstWord), epoch > 1e8 {
            record.time = Timestamp.fromEpoch(epoch)
        }
        return true
    }
}
