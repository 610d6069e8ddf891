import Foundation
import SIEMCore
import SIEMStore

extension QueryParameters {
    /// Filters on normalized keys: every parameter whose name contains a dot (`user.name=root`,
    /// `source.ip=10.0.0.5`) is an exact match on that key. Keys ending in `.ip` take any spelling
    /// of an address and match its canonical form; `fields.…` is refused because only normalized
    /// keys are indexed.
    func normalizedTerms() throws(APIError) -> [EventQuery.Term] {
        var terms: [EventQuery.Term] = []
        for (rawName, _) in parameters {
            let name = String(rawName).removingPercentEncoding ?? String(rawName)
            guard name.contains("."), !name.hasSuffix("!"), let value = string(String(rawName)) else { continue }
            // Each filter is a condition in the query; SQLite refuses past ~1,000 of them.
            guard terms.count < Self.mostTerms else {
                throw .invalid("at most \(Self.mostTerms) filters on normalized keys in one query")
            }
            guard !name.hasPrefix("fields."), name.utf8.count <= 128, name.utf8.allSatisfy(Self.isKeyByte) else {
                throw .invalid(
                    "`\(String(name.unicodeScalars.prefix(128).map { $0.value < 0x20 ? "?" : Character($0) }))` cannot be filtered on; use a normalized key such as `user.name`"
                )
            }
            terms.append(try Self.term(key: name, value: value, parameter: name))
        }
        return terms
    }

    /// The term `key` = `value`, an address in canonical form for a `.ip` key.
    static func term(key: String, value: String, parameter: String) throws(APIError) -> EventQuery.Term {
        guard key.hasSuffix(".ip") else { return .init(key: key, value: value) }
        guard let address = IPAddress.canonical(value) else {
            throw .invalid("`\(parameter)` must be an IPv4 or IPv6 address")
        }
        return .init(key: key, value: address)
    }

    static let mostTerms = 64

    /// Exclusions: a parameter name ending in `!` (`user.name!=root`, `host!=web1`, `source!=api`)
    /// keeps only events that do not hold that value, for `host`, `source` and normalized keys.
    func excludedTerms() throws(APIError) -> [EventQuery.Term] {
        var terms: [EventQuery.Term] = []
        // Each pair, not each name: `user.name!=a&user.name!=b` leaves both out.
        for (rawName, rawValue) in parameters {
            let name = String(rawName).removingPercentEncoding ?? String(rawName)
            guard name.hasSuffix("!"), !rawValue.isEmpty else { continue }
            let key = String(name.dropLast())
            let value = String(rawValue)
            guard terms.count < Self.mostTerms else {
                throw .invalid("at most \(Self.mostTerms) exclusions in one query")
            }
            guard
                Self.excludableNames.contains(key)
                    || (key.contains(".") && !key.hasPrefix("fields.") && key.utf8.count <= 128
                        && key.utf8.allSatisfy(Self.isKeyByte))
            else {
                throw .invalid(
                    "`\(String(name.unicodeScalars.prefix(128).map { $0.value < 0x20 ? "?" : Character($0) }))` cannot be excluded; use `host!`, `source!` or a normalized key such as `user.name!`"
                )
            }
            terms.append(try Self.term(key: key, value: value, parameter: name))
        }
        return terms
    }

    /// The event members an exclusion may name besides normalized keys.
    static let excludableNames: Set<String> = ["host", "source"]

    /// Normalized key names are ECS-style: letters, digits, `.`, `_`, `-`, `@`.
    static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"),
            UInt8(ascii: "@"):
            true
        default: false
        }
    }
}
