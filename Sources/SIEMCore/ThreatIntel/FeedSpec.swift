import Foundation

/// The format of an IOC import or feed.
public enum FeedFormat: String, Sendable, Hashable, CaseIterable {
    /// `type,value,…` rows, or one chosen column (`column=`).
    case csv
    /// One value per line (hosts files too).
    case list
    /// Any JSON shape below, told apart by content.
    case json
    /// A STIX 2.1 bundle.
    case stix
    /// MISP event JSON, or a MISP feed's `manifest.json` (its event files are fetched).
    case misp
    /// A TAXII 2.1 collection (`{api_root}/collections/{id}/objects/`), paged with `next`.
    case taxii
}

/// The CSV column that holds the values: 1-based, or named by a header line.
public enum CSVColumn: Sendable, Hashable, CustomStringConvertible {
    case index(Int)
    case name(String)

    /// `2` is the second column; anything else is a header name.
    public init(_ text: String) throws(InvalidInput) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 200 else { throw InvalidInput("`column` is 1 to 200 characters") }
        if let number = Int(trimmed) {
            guard (1...10_000).contains(number) else { throw InvalidInput("`column` numbers start at 1") }
            self = .index(number)
        } else {
            self = .name(trimmed)
        }
    }

    public var description: String {
        switch self {
        case .index(let number): String(number)
        case .name(let name): name
        }
    }
}

/// How a feed is read and refreshed: what may follow its URL after `#` in `SIEM_TI_FEEDS`
/// (`type=ip&column=2&interval=30m`), or the members of `POST /ti/feeds`.
public struct FeedOptions: Sendable, Hashable {
    public var format: FeedFormat?
    /// The type of values that do not name one (else guessed per value).
    public var type: IOCType?
    public var column: CSVColumn?
    /// Seconds between refreshes; nil: the configured default.
    public var interval: Int?
    public var severity: Severity?
    /// The `source` of the feed's IOCs; nil: `feed:` and the URL's host and path.
    public var name: String?

    public init(
        format: FeedFormat? = nil, type: IOCType? = nil, column: CSVColumn? = nil, interval: Int? = nil,
        severity: Severity? = nil, name: String? = nil
    ) {
        self.format = format
        self.type = type
        self.column = column
        self.interval = interval
        self.severity = severity
        self.name = name
    }

    /// The names `init(text:)` reads.
    public static let names = ["format", "type", "column", "interval", "severity", "name"]

    /// Parses `key=value&…` (values percent-decoded); an unknown key or bad value is refused.
    public init(text: String) throws(InvalidInput) {
        self.init()
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let key = String(parts[0]).lowercased()
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            try set(key, value)
        }
    }

    /// Sets the option `key` from its text form.
    public mutating func set(_ key: String, _ value: String) throws(InvalidInput) {
        switch key {
        case "format":
            guard let format = FeedFormat(rawValue: value.lowercased()) else {
                throw InvalidInput(
                    "`format` must be one of \(FeedFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.format = format
        case "type":
            guard let type = IOCType(rawValue: value.lowercased()) else {
                throw InvalidInput("`type` must be one of ip, domain, sha256, sha1, md5")
            }
            self.type = type
        case "column":
            column = try CSVColumn(value)
        case "interval":
            interval = try Self.interval(value)
        case "severity":
            guard let severity = Severity(rawValue: value.lowercased()) else {
                throw InvalidInput("`severity` must be one of low, medium, high, critical")
            }
            self.severity = severity
        case "name", "source":
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.count <= 200 else { throw InvalidInput("`name` is 1 to 200 characters") }
            name = trimmed
        default:
            throw InvalidInput(
                "unknown feed option `\(key.prefix(50))`; the options are \(Self.names.joined(separator: ", "))")
        }
    }

    /// The canonical `key=value&…` form (empty when every option is the default).
    public var text: String {
        var pairs: [(String, String)] = []
        if let format { pairs.append(("format", format.rawValue)) }
        if let type { pairs.append(("type", type.rawValue)) }
        if let column { pairs.append(("column", column.description)) }
        if let interval { pairs.append(("interval", String(interval))) }
        if let severity { pairs.append(("severity", severity.rawValue)) }
        if let name { pairs.append(("name", name)) }
        let allowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=#+"))
        return pairs.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $1)" }
            .joined(separator: "&")
    }

    /// The options that change what is read (not when, or under which name): part of a feed's identity.
    public var readingText: String {
        FeedOptions(format: format, type: type, column: column).text
    }

    /// Seconds from `90`, `90s`, `30m`, `1h` or `1d`; 1 second to 30 days.
    public static func interval(_ text: String) throws(InvalidInput) -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var number = Substring(trimmed)
        var unit = 1
        if let last = trimmed.last, let scale = units[last] {
            unit = scale
            number = number.dropLast()
        }
        guard let count = Int(number), count > 0, count <= 2_592_000 / unit else {
            throw InvalidInput(
                "`interval` is a number of seconds or 30s, 15m, 1h, 1d (at most 30 days), not \"\(text.prefix(50))\"")
        }
        return count * unit
    }
}

/// A feed as configured: its URL (http or https, maybe with credentials) and how to read it.
public struct FeedSpec: Sendable, Hashable {
    public var url: String
    public var options: FeedOptions

    public init(url: String, options: FeedOptions = FeedOptions()) throws(InvalidInput) {
        try FeedURL.validate(url)
        self.url = url
        self.options = options
    }

    /// `https://host/path#type=ip&column=2`: the URL, then options after `#`.
    public init(parsing text: String) throws(InvalidInput) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let hash = trimmed.firstIndex(of: "#") {
            try self.init(
                url: String(trimmed[..<hash]),
                options: FeedOptions(text: String(trimmed[trimmed.index(after: hash)...])))
        } else {
            try self.init(url: trimmed)
        }
    }
}
