import Crypto
import Foundation

/// Per-agent tokens: random, handed out once, stored only as SHA-256 hex, compared in constant time.
public enum EDRTokens {
    /// The header an agent sends its token in (`x-api-key`/`Authorization` carry SIEM_API_KEY).
    public static let header = "x-agent-token"

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// True when `token` hashes to `storedHash`; the comparison time does not depend on where they differ.
    static func matches(_ token: String?, storedHash: String) -> Bool {
        let presented = Array(hash(token ?? "").utf8)
        let stored = Array(storedHash.utf8)
        var difference = UInt8(presented.count == stored.count && token != nil ? 0 : 1)
        for index in 0..<min(presented.count, stored.count) { difference |= presented[index] ^ stored[index] }
        return difference == 0
    }
}
