import Crypto
import Foundation
import SIEMCore

/// Named API keys with roles, from `SIEM_API_KEYS_FILE`: one `name role sha256-hex` per line
/// (`#` starts a comment). Only the SHA-256 of each key is kept, on disk and in memory;
/// `siemd keys add` prints a new key once and writes its line.
public struct APIKeys: Sendable {
    public struct Entry: Sendable {
        public var identity: Identity
        let digest: [UInt8]
    }

    public private(set) var entries: [Entry]

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// The keys of a file's text; `path` names the file in errors.
    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> APIKeys {
        var entries: [Entry] = []
        var names: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard !fields.isEmpty else { continue }
            func problem(_ text: String) -> ConfigurationError {
                ConfigurationError(variable: "SIEM_API_KEYS_FILE", problem: "\(path) line \(index + 1): \(text)")
            }
            guard fields.count == 3 else { throw problem("expected `name role sha256-of-key`") }
            let name = String(fields[0])
            guard isValidName(name) else {
                throw problem("a key name is 1 to 64 letters, digits, `.`, `_`, `-` or `@`")
            }
            guard let role = Role(rawValue: fields[1].lowercased()) else {
                throw problem("role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let digest = hexBytes(fields[2]), digest.count == 32 else {
                throw problem("the key's SHA-256 must be 64 hex digits")
            }
            guard names.insert(name).inserted else { throw problem("`\(name)` is named twice") }
            entries.append(Entry(identity: Identity(name: name, role: role), digest: digest))
        }
        return APIKeys(entries: entries)
    }

    /// The identity whose key is `candidate`. Every entry is compared in full whatever matches,
    /// so the time taken tells nothing about the keys.
    public func identity(for candidate: some StringProtocol) -> Identity? {
        let presented = Array(SHA256.hash(data: Data(candidate.utf8)))
        var found: Identity?
        for entry in entries {
            var difference: UInt8 = 0
            for (left, right) in zip(entry.digest, presented) { difference |= left ^ right }
            if difference == 0 && found == nil { found = entry.identity }
        }
        return found
    }

    /// A new random key (64 hex digits, 256 bits) and the file line that admits it.
    public static func generate(name: String, role: Role) -> (key: String, line: String) {
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        return (key, "\(name) \(role.rawValue) \(digestHex(key))")
    }

    /// The SHA-256 of `key` in hex, as the file stores it.
    public static func digestHex(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2E
                    || $0 == 0x5F || $0 == 0x2D || $0 == 0x40
            }
    }

    private static func hexBytes(_ text: Substring) -> [UInt8]? {
        var bytes: [UInt8] = []
        var high: UInt8?
        for character in text.utf8 {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return high == nil ? bytes : nil
    }
}
