import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import SIEMCore

/// Typed, validated reads of query parameters; a bad value is a 422 that names the parameter.
struct QueryParameters {
    let parameters: FlatDictionary<Substring, Substring>

    init(_ request: Request) {
        parameters = request.uri.queryParameters
    }

    func string(_ name: String) -> String? {
        guard let value = parameters[Substring(name)], !value.isEmpty else { return nil }
        return String(value).removingPercentEncoding ?? String(value)
    }

    func int(_ name: String, in range: ClosedRange<Int>, default fallback: Int? = nil) throws(APIError) -> Int? {
        guard let text = string(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw .invalid("`\(name)` must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func limit() throws(APIError) -> Int {
        try int("limit", in: 1...1000, default: 100)!
    }

    func cursor() throws(APIError) -> Int64? {
        guard let text = string("cursor") else { return nil }
        guard let value = Int64(text), value > 0 else {
            throw .invalid("`cursor` must be a `next_cursor` from a previous page")
        }
        return value
    }

    func date(_ name: String) throws(APIError) -> Date? {
        guard let text = string(name) else { return nil }
        guard let value = Timestamp.parse(text) else {
            throw .invalid("`\(name)` must be an RFC 3339 time (2026-11-29T09:00:00Z) or a Unix epoch")
        }
        return value
    }

    func ip(_ name: String = "ip") throws(APIError) -> String? {
        guard let text = string(name) else { return nil }
        guard let value = IPAddress.canonical(text) else { throw .invalid("`\(name)` must be an IPv4 or IPv6 address") }
        return value
    }

    func severity(_ name: String = "severity") throws(APIError) -> Severity? {
        guard let text = string(name) else { return nil }
        guard let value = Severity(rawValue: text.lowercased()) else {
            throw .invalid("`\(name)` must be one of low, medium, high, critical")
        }
        return value
    }
}
