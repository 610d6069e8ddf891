import Foundation

/// An immutable snapshot of the IOCs, indexed for matching at ingest.
///
/// Matching cost does not depend on how many IOCs are loaded: every IP, domain and hash found in an
/// event is one dictionary lookup (domains also look up each parent: `a.evil.example` checks
/// `a.evil.example` then `evil.example`).
public struct IOCSet: Sendable {
    private let byValue: [IOCType: [String: IOC]]
    /// TLDs of the loaded domains, accepted by extraction even when not in `TopLevelDomains`.
    private let extraTLDs: Set<String>

    public static let empty = IOCSet([])

    public init(_ iocs: [IOC]) {
        var byValue: [IOCType: [String: IOC]] = [:]
        var extraTLDs: Set<String> = []
        for ioc in iocs {
            byValue[ioc.type, default: [:]][ioc.value] = ioc
            if ioc.type == .domain, let dot = ioc.value.lastIndex(of: ".") {
                let tld = String(ioc.value[ioc.value.index(after: dot)...])
                if !TopLevelDomains.contains(tld) { extraTLDs.insert(tld) }
            }
        }
        self.byValue = byValue
        self.extraTLDs = extraTLDs
    }

    public var count: Int { byValue.values.reduce(0) { $0 + $1.count } }
    public var isEmpty: Bool { byValue.isEmpty }

    /// The IOC of `type` with the canonical `value`, if loaded (expired or not).
    public func ioc(_ type: IOCType, _ value: String) -> IOC? { byValue[type]?[value] }

    /// One match: the IOC and the text seen in the event (a subdomain for a parent-domain IOC).
    public struct Match: Sendable, Hashable {
        public var ioc: IOC
        public var observed: String
    }

    /// The unexpired IOCs found in `event` (its `ips` must be filled), each IOC at most once.
    public func matches(in event: Event, at time: Date) -> [Match] {
        guard !byValue.isEmpty else { return [] }
        var found: [Match] = []
        var seen: Set<String> = []
        func add(_ ioc: IOC, _ observed: String) {
            guard !ioc.isExpired(at: time), seen.insert(ioc.ruleID + ":" + ioc.value).inserted else { return }
            found.append(Match(ioc: ioc, observed: observed))
        }
        if let ips = byValue[.ip] {
            for ip in event.ips { if let ioc = ips[ip] { add(ioc, ip) } }
        }
        let domains = byValue[.domain]
        let hasHashes = byValue[.sha256] != nil || byValue[.sha1] != nil || byValue[.md5] != nil
        guard domains != nil || hasHashes else { return found }
        let extraTLDs = extraTLDs
        let scanText = { (text: String) in
            IndicatorExtractor.scan(
                text,
                isTopLevelDomain: { TopLevelDomains.contains($0) || extraTLDs.contains($0) },
                domain: { name in
                    guard let domains else { return }
                    var suffix = Substring(name)
                    while true {
                        if let ioc = domains[String(suffix)] { add(ioc, name) }
                        guard let dot = suffix.firstIndex(of: "."), suffix[suffix.index(after: dot)...].contains(".")
                        else { break }
                        suffix = suffix[suffix.index(after: dot)...]
                    }
                },
                hash: { type, value in
                    if hasHashes, let ioc = byValue[type]?[value] { add(ioc, value) }
                })
        }
        scanText(event.message)
        scanText(event.host)
        for key in event.fields.keys.sorted() { event.fields[key]!.forEachScalar(scanText) }
        for key in event.normalized.keys.sorted() { event.normalized[key]!.forEachScalar(scanText) }
        return found
    }

    /// The alerts `event` raises at `time`: one `ti_<type>` alert per matched IOC.
    public func alerts(for event: Event, at time: Date) -> [Alert] {
        matches(in: event, at: time).map { Self.alert(for: $0, event: event, at: time) }
    }

    public static func alert(for match: Match, event: Event, at time: Date) -> Alert {
        let ioc = match.ioc
        var details: [String: JSONValue] = [
            "ioc_id": ioc.id.map { .int($0) } ?? .null,
            "ioc_type": .string(ioc.type.rawValue),
            "ioc_value": .string(ioc.value),
            "ioc_source": .string(ioc.source),
            "ioc_note": .string(ioc.note),
            "matched": .string(match.observed),
        ]
        if let expiresAt = ioc.expiresAt { details["ioc_expires_at"] = .string(Timestamp.format(expiresAt)) }
        let label = ioc.type == .ip ? "IP" : ioc.type == .domain ? "domain" : ioc.type.rawValue.uppercased()
        return Alert(
            ts: event.ts,
            createdAt: time,
            ruleID: ioc.ruleID,
            title: "Threat intel match: \(label) \(ioc.value)",
            severity: ioc.severity,
            description: "The event contains \(match.observed), listed by \(ioc.source)"
                + (ioc.note.isEmpty ? "" : ": \(ioc.note)"),
            tags: ["threat_intel", ioc.type.rawValue],
            details: details,
            host: event.host,
            agentID: event.agentID,
            rule: AlertRule(format: "ti", author: ioc.source)
        )
    }
}
