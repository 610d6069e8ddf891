import Crypto
import Foundation

/// The protections siemd applies to every request, parsed once at start from the `SIEM_*`
/// variables of the reference README's "Security hardening" section.
public struct SecurityConfiguration: Sendable {
    /// `SIEM_API_KEY`: admits `x-api-key: <key>` or `Authorization: Bearer <key>`.
    public var apiKey: Secret?
    /// `SIEM_BASIC_USER` and `SIEM_BASIC_PASS`: admits HTTP Basic auth with these credentials.
    public var basic: BasicCredentials?
    /// `SIEM_API_KEYS_FILE`: named keys with roles.
    public var apiKeys = APIKeys()
    /// `SIEM_ALLOW_INSECURE`: listen beyond loopback without any authentication.
    public var allowInsecure = false
    /// `SIEM_AUTH_EXEMPT_PATHS`: paths served without credentials.
    public var authExemptPaths: [PathPattern] = [PathPattern("/health", kind: .exact)]
    /// `SIEM_TRUSTED_HOSTS`: the Host headers siemd answers; `nil` answers any.
    public var trustedHosts: [HostPattern]?
    /// `SIEM_RATE_LIMIT_*`: a token bucket per client address on some paths; `nil` when off.
    public var rateLimit: RateLimitConfiguration?

    public init() {}

    /// Authentication is enforced when an API key, a keys file or Basic credentials are configured.
    public var authEnabled: Bool { apiKey != nil || basic != nil || !apiKeys.entries.isEmpty }

    init(_ reader: EnvironmentReader) throws(ConfigurationError) {
        self.init()
        // A credential variable that is set but blank must not turn authentication off unnoticed.
        for name in ["SIEM_API_KEY", "SIEM_BASIC_USER", "SIEM_BASIC_PASS"]
        where reader.isSet(name) && reader.string(name) == nil {
            throw ConfigurationError(
                variable: name, problem: "is set but empty; give it a value, or unset it to turn this kind of auth off")
        }
        if let key = reader.string("SIEM_API_KEY") { apiKey = Secret(key) }
        if let path = reader.string("SIEM_API_KEYS_FILE") {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                throw ConfigurationError(variable: "SIEM_API_KEYS_FILE", problem: "cannot read \(path)")
            }
            apiKeys = try APIKeys.parse(text, path: path)
            guard !apiKeys.entries.isEmpty else {
                throw ConfigurationError(
                    variable: "SIEM_API_KEYS_FILE", problem: "\(path) holds no keys; add one with `siemd keys add`")
            }
        }
        allowInsecure = try reader.bool("SIEM_ALLOW_INSECURE") ?? false
        switch (reader.string("SIEM_BASIC_USER"), reader.string("SIEM_BASIC_PASS")) {
        case (nil, nil): break
        case (let user?, let password?):
            guard !user.contains(":") else {
                throw ConfigurationError(
                    variable: "SIEM_BASIC_USER", problem: "a Basic auth user name cannot contain \":\"")
            }
            basic = BasicCredentials(user: user, password: password)
        case (nil, _):
            throw ConfigurationError(
                variable: "SIEM_BASIC_USER", problem: "SIEM_BASIC_PASS is set but SIEM_BASIC_USER is not; set both")
        case (_, nil):
            throw ConfigurationError(
                variable: "SIEM_BASIC_PASS", problem: "SIEM_BASIC_USER is set but SIEM_BASIC_PASS is not; set both")
        }
        if reader.isSet("SIEM_AUTH_EXEMPT_PATHS") {
            // Set but empty means no exemption at all.
            authExemptPaths = try (reader.list("SIEM_AUTH_EXEMPT_PATHS") ?? []).map {
                (text) throws(ConfigurationError) in try PathPattern(parsing: text, variable: "SIEM_AUTH_EXEMPT_PATHS")
            }
        }
        if let hosts = reader.list("SIEM_TRUSTED_HOSTS") {
            trustedHosts = try hosts.map { (text) throws(ConfigurationError) in
                try HostPattern(parsing: text, variable: "SIEM_TRUSTED_HOSTS")
            }
        }
        let defaults = RateLimitConfiguration()
        let rateLimit = RateLimitConfiguration(
            requestsPerSecond: try reader.double("SIEM_RATE_LIMIT_RPS", in: 0.001...1_000_000)
                ?? defaults.requestsPerSecond,
            burst: try reader.int("SIEM_RATE_LIMIT_BURST", in: 1...1_000_000) ?? defaults.burst,
            paths: try reader.list("SIEM_RATE_LIMIT_PATHS").map { list throws(ConfigurationError) in
                try list.map { (text) throws(ConfigurationError) in
                    try PathPattern(parsing: text, variable: "SIEM_RATE_LIMIT_PATHS", plainKind: .subtree)
                }
            } ?? defaults.paths,
            maxClients: try reader.int("SIEM_RATE_LIMIT_MAX_CLIENTS", in: 16...10_000_000) ?? defaults.maxClients
        )
        if try reader.bool("SIEM_RATE_LIMIT_ENABLED") == true { self.rateLimit = rateLimit }
    }
}

/// Per-client rate limiting: `burst` requests at once, refilled at `requestsPerSecond`.
public struct RateLimitConfiguration: Sendable {
    public var requestsPerSecond: Double = 50
    public var burst: Int = 100
    /// The data plane: siemd's own ingest and EDR routes and the shippers' protocols.
    public var paths: [PathPattern] = [
        PathPattern("/ingest", kind: .subtree), PathPattern("/edr", kind: .subtree),
        PathPattern("/_bulk", kind: .subtree), PathPattern("/*/_bulk", kind: .segments),
        PathPattern("/services/collector", kind: .subtree), PathPattern("/v1/logs", kind: .subtree),
    ]
    /// The most client addresses tracked at once; idle and then least recently seen ones are evicted.
    public var maxClients: Int = 10_000

    public init() {}

    public init(requestsPerSecond: Double, burst: Int, paths: [PathPattern], maxClients: Int) {
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.paths = paths
        self.maxClients = maxClients
    }
}

/// A secret kept only as its SHA-256 digest: it cannot be printed, logged or reflected, and a
/// candidate is compared digest to digest in constant time.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let digest: [UInt8]

    public init(_ value: String) {
        digest = Array(SHA256.hash(data: Data(value.utf8)))
    }

    /// Whether `candidate` is the secret; the time taken does not depend on where they differ.
    public func matches(_ candidate: some StringProtocol) -> Bool {
        let other = SHA256.hash(data: Data(candidate.utf8))
        var difference: UInt8 = 0
        for (left, right) in zip(digest, other) { difference |= left ^ right }
        return difference == 0
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// The HTTP Basic user and password siemd admits.
public struct BasicCredentials: Sendable {
    public var user: Secret
    public var password: Secret

    public init(user: String, password: String) {
        self.user = Secret(user)
        self.password = Secret(password)
    }

    /// Both parts are always compared, so the time taken does not tell which one was wrong.
    public func matches(user candidateUser: some StringProtocol, password candidatePassword: some StringProtocol)
        -> Bool
    {
        let userMatches = user.matches(candidateUser)
        let passwordMatches = password.matches(candidatePassword)
        return userMatches && passwordMatches
    }
}

/// A request path pattern: an exact path, a prefix written with a trailing `*`, or (for
/// `SIEM_RATE_LIMIT_PATHS`) a path together with everything below it.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Only this path.
        case exact
        /// Any path starting with the text (`/static/*`).
        case prefix
        /// The path and its subpaths: `/edr` covers `/edr` and `/edr/telemetry`, not `/edrx`.
        case subtree
        /// Segment by segment, a `*` segment standing for any one segment: `/*/_bulk` covers
        /// `/logs/_bulk`, not `/_bulk` or `/a/b/_bulk`.
        case segments
    }

    public var text: String
    public var kind: Kind

    public init(_ text: String, kind: Kind) {
        self.text = text
        self.kind = kind
    }

    /// Parses `/path` or `/prefix*`; a plain path is `plainKind` (`.exact` for auth exemptions,
    /// `.subtree` for rate limiting).
    init(parsing text: String, variable: String, plainKind: Kind = .exact) throws(ConfigurationError) {
        guard text.hasPrefix("/") else {
            throw ConfigurationError(variable: variable, problem: "a path must start with \"/\", got \"\(text)\"")
        }
        let segments = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if segments.contains(where: { $0 == "*" })
            && !(text.hasSuffix("/*") && segments.filter({ $0 == "*" }).count == 1)
        {
            self.init(text, kind: .segments)
            guard segments.allSatisfy({ $0 == "*" || !$0.contains("*") }) else {
                throw ConfigurationError(
                    variable: variable, problem: "`*` must be a whole segment or end a path, got \"\(text)\"")
            }
            return
        }
        if text.hasSuffix("*") {
            self.init(String(text.dropLast()), kind: .prefix)
        } else {
            self.init(text, kind: plainKind)
        }
        guard !self.text.contains("*") else {
            throw ConfigurationError(
                variable: variable, problem: "`*` must be a whole segment or end a path, got \"\(text)\"")
        }
    }

    /// Whether `path` (the raw request path, without the query) is covered. A prefix never covers
    /// a path with dot segments or encoded characters, which some handler might resolve elsewhere.
    public func matches(_ path: String) -> Bool {
        switch kind {
        case .exact:
            return path == text
        case .prefix:
            return path.hasPrefix(text) && !Self.isAmbiguous(path)
        case .subtree:
            guard path.hasPrefix(text) else { return false }
            let rest = path.dropFirst(text.count)
            return (rest.isEmpty || rest.hasPrefix("/") || text.hasSuffix("/")) && !Self.isAmbiguous(path)
        case .segments:
            let pattern = text.split(separator: "/", omittingEmptySubsequences: false)
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            return pattern.count == parts.count && !Self.isAmbiguous(path)
                && zip(pattern, parts).allSatisfy { $0 == "*" ? !$1.isEmpty : $0 == $1 }
        }
    }

    static func isAmbiguous(_ path: String) -> Bool {
        if path.contains("%") || path.contains("\\") { return true }
        return path.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == "." || $0 == ".." }
    }

    public var description: String { kind == .prefix ? text + "*" : text }
}

/// An allowed Host header: a name or address (`VOLVIX.local`, `127.0.0.1`, `[::1]`), a
/// `*.example.com` wildcard for subdomains, or `*` for any. Compared case-insensitively; the port
/// is ignored.
public struct HostPattern: Sendable, Hashable, CustomStringConvertible {
    public var text: String

    public init(_ text: String) {
        self.text = Self.normalize(text)
    }

    init(parsing text: String, variable: String) throws(ConfigurationError) {
        let host = Self.normalize(text)
        let body = host.hasPrefix("*.") ? String(host.dropFirst(2)) : host
        guard host == "*" || (!body.isEmpty && !body.contains("*") && !body.contains("/")) else {
            throw ConfigurationError(
                variable: variable, problem: "expected a host name, address, `*.domain` or `*`, got \"\(text)\"")
        }
        self.text = host
    }

    /// Lowercases and removes IPv6 brackets.
    static func normalize(_ host: some StringProtocol) -> String {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host
    }

    /// Whether the host (already without port, normalized) is allowed.
    public func matches(host: String) -> Bool {
        if text == "*" { return true }
        if text.hasPrefix("*.") { return host.hasSuffix(text.dropFirst()) && host.count > text.count - 1 }
        return host == text
    }

    public var description: String { text }
}
