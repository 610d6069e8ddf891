/// The peer sshd writes after a value a client chose (a user name, an identification string):
/// `ADDRESS[ port N]`.
///
/// sshd puts the client's own text first and its peer last, so the peer is found from the end of
/// the line, never from the first ` from `: `Failed password for invalid user test from 10.10.1.2
/// port 55555 ssh2 from 127.0.0.1 port 58946 ssh2` is user `test from 10.10.1.2 port 55555 ssh2`
/// from 127.0.0.1 (as fail2ban's `filter.d/sshd.conf` reads it).
struct SSHDPeer {
    var address: Substring
    var port: Substring?
    /// Where the peer's text ends.
    var end: Substring.Index

    /// `ADDRESS[ port N]` at `start` of `text`; the address is an IP address or a dotted host name.
    static func parse(_ text: Substring, at start: Substring.Index) -> SSHDPeer? {
        let address = text[start...].firstWord
        guard isAddress(address) else { return nil }
        var peer = SSHDPeer(address: address, port: nil, end: address.endIndex)
        if let digits = text[address.endIndex...].after(prefix: " port ")?.leadingDigits, !digits.isEmpty {
            peer.port = digits
            peer.end = digits.endIndex
        }
        return peer
    }

    static func isAddress(_ text: Substring) -> Bool {
        guard !text.isEmpty else { return false }
        return IPAddress.canonical(text) != nil
            || (text.utf8.contains(UInt8(ascii: ".")) && NormalizedRecord.isHostName(text))
    }

    /// The client's value and the peer that follows it in `region` (`VALUE` `marker` `PEER` `TAIL`,
    /// `tail` accepting the text after the peer).
    ///
    /// First the peer after the first word: a value without spaces cannot hold a `marker` and a
    /// peer, so this is sshd's (every account name is such a value). Else the last peer the tail
    /// accepts: whatever a client sent lies before it. A line cut short (`truncated`) has lost
    /// sshd's end, so there the peer after the first word is taken whatever follows it.
    static func anchored(
        in region: Substring, marker: String, truncated: Bool = false, tail: (Substring) -> Bool
    ) -> (value: Substring, peer: SSHDPeer)? {
        func candidate(at index: Substring.Index, anyTail: Bool = false) -> SSHDPeer? {
            guard let rest = region[index...].after(prefix: marker), let peer = parse(region, at: rest.startIndex),
                anyTail || tail(region[peer.end...])
            else { return nil }
            return peer
        }
        let space = UInt8(ascii: " ")
        if let first = region.utf8.firstIndex(of: space), let peer = candidate(at: first, anyTail: truncated) {
            return (region[..<first], peer)
        }
        var end = region.endIndex
        while let index = region[..<end].utf8.lastIndex(of: space) {
            if let peer = candidate(at: index) { return (region[..<index], peer) }
            end = index
        }
        return nil
    }

    /// The rest of a login line after the peer: ` ssh2`, then nothing or `: ` and what sshd adds
    /// (`ruser …`; for `keys`, the publickey and hostbased methods, a key: `RSA SHA256:…`).
    static func loginTail(keys: Bool) -> (Substring) -> Bool {
        { text in
            var rest = text
            if let protocolName = rest.after(prefix: " ssh") {
                rest = protocolName[protocolName.leadingDigits.endIndex...]
            }
            guard let info = rest.after(prefix: ": ") else { return rest.isEmpty }
            return !keys || isKey(info)
        }
    }

    /// `ALGORITHM FINGERPRINT…` as sshd describes a key: `ED25519 SHA256:…`, `RSA 8c:e3:…`.
    static func isKey(_ text: Substring) -> Bool {
        let algorithm = text.firstWord
        guard !algorithm.isEmpty,
            algorithm.utf8.allSatisfy({
                ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || $0 == UInt8(ascii: "-")
            }),
            let fingerprint = text[algorithm.endIndex...].after(prefix: " ")
        else { return false }
        if fingerprint.startsWith("SHA256:") || fingerprint.startsWith("MD5:") { return true }
        let hex = fingerprint.utf8.prefix(3)
        return hex.count == 3 && URLDecoding.hexValue(hex[hex.startIndex]) != nil
            && URLDecoding.hexValue(hex[hex.index(after: hex.startIndex)]) != nil && hex.last == UInt8(ascii: ":")
    }

    /// Nothing after the peer but sshd's ` on ADDRESS port N` (the listening address).
    static func endTail(_ text: Substring) -> Bool {
        guard let local = text.after(prefix: " on ") else { return text.isEmpty }
        guard let peer = parse(local, at: local.startIndex) else { return false }
        return local[peer.end...].isEmpty
    }

    /// PAM's `from HOST[ via ADDRESS]`.
    static func viaTail(_ text: Substring) -> Bool {
        guard let via = text.after(prefix: " via ") else { return text.isEmpty }
        return !via.isEmpty && !via.utf8.contains(UInt8(ascii: " "))
    }

    /// `…ADDRESS port N: reason`.
    static func reasonTail(_ text: Substring) -> Bool { text.startsWith(":") }
}

extension Substring {
    /// The text after `prefix` when the text starts with it.
    func after(prefix: String) -> Substring? {
        guard startsWith(prefix) else { return nil }
        return self[utf8.index(startIndex, offsetBy: prefix.utf8.count)...]
    }

    /// The ASCII digits the text starts with.
    var leadingDigits: Substring {
        let end = utf8.firstIndex { $0 < UInt8(ascii: "0") || $0 > UInt8(ascii: "9") } ?? endIndex
        return self[..<end]
    }

    /// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) as its IPv4 address; anything else as is.
    var unmappedAddress: Substring {
        guard utf8.count > 7, let rest = after(prefix: "::ffff:") ?? after(prefix: "::FFFF:"),
            IPAddress.canonicalIPv4(rest.utf8) != nil
        else { return self }
        return rest
    }
}
