import Foundation

/// What one normalizer understood of one line: flat ECS-style keys, the event time when the log
/// carries one, and flags for input that had to be repaired or cut.
struct NormalizedRecord {
    var values: [String: JSONValue] = [:]
    var time: Date?
    var flags: [String] = []
    /// The clock and zone used for times that carry no year or no zone.
    let clock: LogClock

    init(clock: LogClock) {
        self.clock = clock
        // Room for a typical line's keys (header, dataset, a dozen of its own): no rehashing.
        values.reserveCapacity(24)
    }

    /// Sets a text key; empty values and the `-` placeholder are skipped.
    mutating func set(_ key: String, _ text: some StringProtocol) {
        guard !text.isEmpty, text != "-" else { return }
        values[key] = .string(String(text))
    }

    mutating func set(_ key: String, _ value: JSONValue) {
        values[key] = value
    }

    /// Sets an integer key when `text` is a decimal number.
    mutating func setInt(_ key: String, _ text: some StringProtocol) {
        if let value = Int64(text) { values[key] = .int(value) }
    }

    /// Sets `<prefix>.ip` to the canonical address, or `<prefix>.domain` when `text` is a host name.
    mutating func setAddress(_ prefix: String, _ text: some StringProtocol) {
        if let address = IPAddress.canonical(text) {
            values[prefix + ".ip"] = .string(address)
        } else if text.utf8.contains(UInt8(ascii: ".")), Self.isHostName(text) {
            values[prefix + ".domain"] = .string(text.lowercased())
        }
    }

    /// Sets a key to the canonical address; anything that is not an address is ignored.
    mutating func setIP(_ key: String, _ text: some StringProtocol) {
        if let address = IPAddress.canonical(text) { values[key] = .string(address) }
    }

    mutating func flag(_ name: String) {
        if !flags.contains(name) { flags.append(name) }
    }

    func has(_ key: String) -> Bool { values[key] != nil }

    /// Letters, digits, `-`, `_` and `.`, with at least one letter: `mail.example.com`, `vaio`.
    static func isHostName(_ text: some StringProtocol) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        var letter = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): letter = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"): break
            default: return false
            }
        }
        return letter
    }
}
