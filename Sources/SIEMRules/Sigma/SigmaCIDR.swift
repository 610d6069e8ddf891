/// Sigma `cidr` values as the reference backend evaluates them: pySigma expands a network into
/// wildcard patterns over the address text (`10.0.0.0/8` → `10.*`; `172.16.0.0/12` → `172.16.*` …
/// `172.31.*`; `fe80::/10` → `fe8*` … `feb*`), aligned to 8 bits for IPv4 and to one hex digit for
/// IPv6, and compares them case-insensitively with the field's text. So a value matches when its
/// text starts like an address of the network, as written in Python's canonical form (lowercase
/// hexadecimal, the longest run of zero groups as `::`).
enum SigmaCIDR {
    static func patterns(_ text: String) throws(SigmaCompileError) -> [String] {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count <= 2 else { throw SigmaCompileError("bad CIDR network `\(text)`") }
        let address = String(pieces[0])
        if let octets = parseIPv4(address) {
            let length = try prefixLength(pieces, maximum: 32, text)
            let value = octets.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << (32 - length)
            guard value & ~mask == 0 else { throw SigmaCompileError("CIDR `\(text)` has host bits set") }
            let extra = (8 - length % 8) % 8
            let subnetLength = length + extra
            return (0..<(1 << extra)).map { subnet in
                let network = value | (subnetLength == 0 ? 0 : UInt32(subnet) << (32 - subnetLength))
                let groups = (0..<4).map { String((network >> (24 - 8 * $0)) & 0xFF) }
                let fixed = subnetLength / 8
                switch fixed {
                case 0: return "*"
                case 4: return groups.joined(separator: ".")
                default: return groups[..<fixed].joined(separator: ".") + ".*"
                }
            }
        }
        guard let groups = parseIPv6(address) else { throw SigmaCompileError("bad CIDR network `\(text)`") }
        let length = try prefixLength(pieces, maximum: 128, text)
        let bits: [Bool] = groups.flatMap { group in (0..<16).map { (group >> (15 - $0)) & 1 == 1 } }
        guard bits[length...].allSatisfy({ !$0 }) else { throw SigmaCompileError("CIDR `\(text)` has host bits set") }
        let extra = (4 - length % 4) % 4
        let subnetLength = length + extra
        return (0..<(1 << extra)).map { subnet in
            var first = bits
            for bit in 0..<extra { first[length + bit] = (subnet >> (extra - 1 - bit)) & 1 == 1 }
            var last = first
            for bit in subnetLength..<128 { last[bit] = true }
            let firstText = format(first)
            let lastText = format(last)
            let a = Array(firstText)
            let b = Array(lastText)
            if let cut = a.indices.first(where: { $0 >= b.count || a[$0] != b[$0] }) {
                return String(a[..<cut]) + "*"
            }
            return firstText  // a single address (`::1/128`): the address itself
        }
    }

    private static func prefixLength(_ pieces: [Substring], maximum: Int, _ text: String) throws(SigmaCompileError)
        -> Int
    {
        guard pieces.count == 2 else { return maximum }
        guard let length = Int(pieces[1]), (0...maximum).contains(length) else {
            throw SigmaCompileError("bad CIDR prefix length in `\(text)`")
        }
        return length
    }

    static func parseIPv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else {
                return nil
            }
            octets.append(value)
        }
        return octets
    }

    static func parseIPv6(_ text: String) -> [UInt16]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let items = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, item) in items.enumerated() {
                if index == items.count - 1, item.contains("."), let v4 = parseIPv4(String(item)) {
                    result += [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
                    continue
                }
                guard (1...4).contains(item.count), let value = UInt16(item, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
        return head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
    }

    /// Python's `str(IPv6Address)`: lowercase hex groups, the first longest run of two or more
    /// zero groups as `::`.
    static func format(_ bits: [Bool]) -> String {
        let groups = (0..<8).map { group in
            (0..<16).reduce(UInt16(0)) { $0 << 1 | (bits[group * 16 + $1] ? 1 : 0) }
        }
        var bestStart = -1
        var bestLength = 0
        var start = -1
        for (index, group) in groups.enumerated() {
            if group == 0 {
                if start < 0 { start = index }
                if index - start + 1 > bestLength {
                    bestLength = index - start + 1
                    bestStart = start
                }
            } else {
                start = -1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestLength > 1 else { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }
}
