import Foundation

/// An indicator of compromise: a value that, seen in an event, raises a `ti_<type>` alert.
public struct IOC: Sendable, Hashable {
    public typealias ID = Int64

    public var id: ID?
    public var type: IOCType
    /// Canonical: IPv6 compressed, domains lowercase without a trailing dot, hashes lowercase hex.
    public var value: String
    public var source: String
    public var note: String
    public var severity: Severity
    public var createdAt: Date
    public var updatedAt: Date
    public var expiresAt: Date?
    public var hitCount: Int
    public var lastHitAt: Date?

    public init(
        id: ID? = nil,
        type: IOCType,
        value: String,
        source: String = "manual",
        note: String = "",
        severity: Severity = .high,
        createdAt: Date,
        updatedAt: Date? = nil,
        expiresAt: Date? = nil,
        hitCount: Int = 0,
        lastHitAt: Date? = nil
    ) {
        self.id = id
        self.type = type
        self.value = value
        self.source = source
        self.note = note
        self.severity = severity
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.expiresAt = expiresAt
        self.hitCount = hitCount
        self.lastHitAt = lastHitAt
    }

    /// True when the IOC has an expiry at or before `time`.
    public func isExpired(at time: Date) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt <= time
    }

    /// The rule id of the alerts this IOC raises (`ti_ip`, `ti_domain`, `ti_sha256`, …).
    public var ruleID: String { "ti_\(type.rawValue)" }
}

/// The kinds of indicator matched at ingest.
public enum IOCType: String, Sendable, Hashable, CaseIterable {
    case ip, domain, sha256, sha1, md5

    /// The hash type for a hex digest of `length` characters.
    static func hash(length: Int) -> IOCType? {
        switch length {
        case 64: .sha256
        case 40: .sha1
        case 32: .md5
        default: nil
        }
    }
}

/// Why an IOC value was refused; `description` is safe to show to the client.
public struct IOCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension IOCType {
    /// Validates `text` as a value of this type and returns its canonical form.
    public func canonical(_ text: String) throws(IOCError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw IOCError("the value is empty") }
        switch self {
        case .ip:
            guard let ip = IPAddress.canonical(trimmed) else {
                throw IOCError("\"\(trimmed.prefix(100))\" is not an IPv4 or IPv6 address")
            }
            return ip
        case .domain:
            return try DomainName.canonical(trimmed)
        case .sha256, .sha1, .md5:
            let length = self == .sha256 ? 64 : self == .sha1 ? 40 : 32
            let lower = trimmed.lowercased()
            guard lower.utf8.count == length, lower.utf8.allSatisfy(IndicatorExtractor.isHexDigit) else {
                throw IOCError("a \(rawValue) value is \(length) hexadecimal characters")
            }
            return lower
        }
    }

    /// Guesses the type of a bare value (for one-value-per-line imports without a type).
    public static func guess(_ text: String) -> IOCType? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if IPAddress.canonical(trimmed) != nil { return .ip }
        if trimmed.utf8.allSatisfy(IndicatorExtractor.isHexDigit), let hash = hash(length: trimmed.utf8.count) {
            return hash
        }
        if (try? DomainName.canonical(trimmed)) != nil { return .domain }
        return nil
    }
}

/// Validation of DNS names as IOC values.
public enum DomainName {
    /// Lowercase, without a trailing dot; labels of letters, digits, `-` and `_`, at least two labels.
    public static func canonical(_ text: String) throws(IOCError) -> String {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if name.hasPrefix("*.") { name.removeFirst(2) }
        guard name.utf8.count <= 253 else { throw IOCError("a domain is at most 253 characters") }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { throw IOCError("\"\(text.prefix(100))\" is not a domain name (no dot)") }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63 else {
                throw IOCError("\"\(text.prefix(100))\" has an empty or over-long label")
            }
            guard label.utf8.allSatisfy(IndicatorExtractor.isDomainByte), label.first != "-", label.last != "-" else {
                throw IOCError(
                    "\"\(text.prefix(100))\" is not a domain name (letters, digits and inner hyphens only)")
            }
        }
        guard let tld = labels.last, tld.utf8.contains(where: { !($0 >= 0x30 && $0 <= 0x39) }) else {
            throw IOCError("\"\(text.prefix(100))\" looks like an IP address, not a domain; use type ip")
        }
        return name
    }
}
