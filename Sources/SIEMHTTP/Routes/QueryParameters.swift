import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import SIEMCore
import SIEMStore

/// Typed, validated reads of query parameters; a bad value is a 422 that names the parameter, and
/// a parameter the route does not take is a 400 that names it and the accepted ones (a typo such
/// as `hots=web1` must not return unfiltered data).
struct QueryParameters {
    let parameters: FlatDictionary<Substring, Substring>

    /// The parameters of `route` (a key of `accepted`) in `request`; refuses any other name.
    init(_ request: Request, route: String) throws(APIError) {
        parameters = request.uri.queryParameters
        guard let name = Self.unknownName(in: parameters, route: route) else { return }
        let accepted = Self.accepted[route] ?? Accepted(names: [])
        var allowed = accepted.names.map { "`\($0)`" }.joined(separator: ", ")
        if accepted.normalizedKeys {
            allowed += ", dotted normalized keys such as `user.name`, and exclusions such as `user.name!` or `host!`"
        }
        for prefix in accepted.prefixes { allowed += ", and `\(prefix)<field>`" }
        throw APIError(
            .badRequest, "unknown_parameter",
            "unknown query parameter `\(name.prefix(128))`; \(route) takes "
                + (allowed.isEmpty ? "no query parameters" : allowed))
    }

    /// The first parameter name in `parameters` (percent-decoded) that `route` does not take.
    static func unknownName(in parameters: FlatDictionary<Substring, Substring>, route: String) -> String? {
        let accepted = Self.accepted[route] ?? Accepted(names: [])
        for (rawName, _) in parameters {
            let name = String(rawName).removingPercentEncoding ?? String(rawName)
            if accepted.names.contains(name) || (accepted.normalizedKeys && name.contains(".")) { continue }
            if accepted.prefixes.contains(where: name.hasPrefix) { continue }
            // `host!=web1`: an exclusion (`excludedTerms`) on the routes that filter events.
            if accepted.normalizedKeys, name.hasSuffix("!"), Self.excludableNames.contains(String(name.dropLast())) {
                continue
            }
            return name
        }
        return nil
    }

    /// What one route takes.
    struct Accepted: Sendable {
        var names: [String]
        /// Dotted names (`user.name=root`) are filters on normalized keys.
        var normalizedKeys = false
        /// Names that start with one of these (`group.source.ip`) name a field after the prefix.
        var prefixes: [String] = []
    }

    static let eventFilters = ["agent_id", "ip", "source", "host", "since", "until", "rule_id"]

    /// The filters of `GET /alerts`, also taken by bulk triage and the alert groups.
    static let alertFilters = [
        "ip", "agent_id", "rule_id", "severity", "since", "tag", "rule_format", "status", "assigned_to", "kind",
    ]

    /// The query parameters of every route that takes any; `openapi.json` documents the same
    /// (tested), and a route missing here takes none.
    static let accepted: [String: Accepted] = [
        "GET /events": Accepted(
            names: ["q", "limit", "cursor", "wait_for_index"] + eventFilters, normalizedKeys: true),
        "GET /search": Accepted(
            names: ["q", "limit", "cursor", "wait_for_index"] + eventFilters, normalizedKeys: true),
        "GET /events/histogram": Accepted(
            names: ["q", "buckets", "wait_for_index"] + eventFilters, normalizedKeys: true),
        "GET /alerts": Accepted(names: ["limit", "cursor"] + alertFilters, prefixes: ["group."]),
        "PATCH /alerts": Accepted(names: alertFilters + ["all"], prefixes: ["group."]),
        "GET /alerts/{id}/events": Accepted(names: ["limit", "cursor"]),
        "GET /alerts/groups": Accepted(
            names: ["by", "hours", "limit"] + alertFilters.filter { $0 != "since" }, prefixes: ["group."]),
        "GET /attack": Accepted(names: ["hours", "status"]),
        "GET /rules": Accepted(names: ["limit", "cursor", "format", "status", "tag", "q"]),
        "GET /stats": Accepted(names: ["hours"]),
        "GET /ti/iocs": Accepted(names: ["limit", "cursor", "type", "value", "source"]),
        "POST /ti/iocs/import": Accepted(
            names: ["type", "source", "note", "severity", "expires_at", "format", "column"]),
        "GET /mdr/incidents": Accepted(names: ["limit", "cursor", "status", "assigned_to", "severity"]),
        "GET /edr/actions/poll": Accepted(names: ["agent_id", "limit"]),
        "GET /edr/actions/history": Accepted(names: ["agent_id", "status", "limit"]),
        "GET /edr/endpoints": Accepted(names: ["limit"]),
        "GET /audit": Accepted(names: ["limit", "cursor", "actor", "action", "since", "until"]),
        "POST /_bulk": Accepted(names: ElasticParameters.bulk),
        "PUT /_bulk": Accepted(names: ElasticParameters.bulk),
        "POST /{index}/_bulk": Accepted(names: ElasticParameters.bulk),
        "PUT /{index}/_bulk": Accepted(names: ElasticParameters.bulk),
        "POST /services/collector": Accepted(names: HECRoutes.parameters),
        "POST /services/collector/event": Accepted(names: HECRoutes.parameters),
        "POST /services/collector/event/1.0": Accepted(names: HECRoutes.parameters),
        "POST /services/collector/raw": Accepted(names: HECRoutes.parameters),
        "POST /services/collector/raw/1.0": Accepted(names: HECRoutes.parameters),
    ]

    /// The value, percent-decoded once (Hummingbird decodes values; names arrive undecoded).
    func string(_ name: String) -> String? {
        guard let value = parameters[Substring(name)], !value.isEmpty else { return nil }
        return String(value)
    }

    func int(_ name: String, in range: ClosedRange<Int>, default fallback: Int? = nil) throws(APIError) -> Int? {
        guard let text = string(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw .invalid("`\(name)` must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// With `wait_for_index=true`, waits until the search indexes hold every event committed
    /// before the request (see `IndexMode`); 503 when that takes longer than 30 s.
    func waitForIndex(_ store: any EventStore) async throws {
        guard try flag("wait_for_index") else { return }
        guard await store.waitForIndex(timeout: .seconds(30)) else {
            let status = await store.indexStatus()
            throw APIError(
                .serviceUnavailable, "index_lagging",
                "the search index is \(status.pending) events behind and did not catch up within 30 s"
                    + (status.lastError.map { " (\($0))" } ?? ""))
        }
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
