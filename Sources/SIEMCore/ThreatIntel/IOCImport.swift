import Foundation

/// Parses bulk IOC imports and feeds from their text: CSV (`type,value[,source[,note[,severity[,
/// expires_at]]]]`, optional header, or one chosen column), plain lists (one value per line, hosts
/// files, `#` comments), JSON arrays of IOC objects, STIX 2.1 bundles and TAXII envelopes, and MISP
/// event JSON. The format is detected from the text unless `Options.format` names one.
public enum IOCImport {
    /// Defaults applied to entries that do not carry their own.
    public struct Defaults: Sendable {
        public var type: IOCType?
        public var source: String
        public var note: String
        public var severity: Severity
        public var expiresAt: Date?

        public init(
            type: IOCType? = nil, source: String = "import", note: String = "", severity: Severity = .high,
            expiresAt: Date? = nil
        ) {
            self.type = type
            self.source = source
            self.note = note
            self.severity = severity
            self.expiresAt = expiresAt
        }
    }

    /// How to read the text: its format (nil: detect) and, for CSV, the column that holds the values.
    public struct Options: Sendable, Hashable {
        public var format: FeedFormat?
        public var column: CSVColumn?

        public init(format: FeedFormat? = nil, column: CSVColumn? = nil) {
            self.format = format
            self.column = column
        }
    }

    /// An entry that could not be imported, with where it was and why.
    public struct Rejection: Sendable, Hashable {
        public var location: String
        public var value: String
        public var reason: String

        public init(location: String, value: String, reason: String) {
            self.location = location
            self.value = value
            self.reason = reason
        }
    }

    /// The valid IOCs (canonical, deduplicated by type and value, last one wins), the rejections,
    /// how many entries were not indicators (MISP context attributes, hosts-file self entries), and
    /// the values the source withdraws (revoked STIX indicators, deleted MISP attributes).
    public struct Result: Sendable {
        public var iocs: [IOC]
        public var rejected: [Rejection]
        public var skipped: Int
        public var withdrawn: [IOCKey]

        public init(iocs: [IOC] = [], rejected: [Rejection] = [], skipped: Int = 0, withdrawn: [IOCKey] = []) {
            self.iocs = iocs
            self.rejected = rejected
            self.skipped = skipped
            self.withdrawn = withdrawn
        }

        /// Adds `other` (a later page or event file): its IOCs replace those with the same key.
        public mutating func merge(_ other: Result) {
            var index = Dictionary(iocs.enumerated().map { (IOCKey($1), $0) }, uniquingKeysWith: { $1 })
            for ioc in other.iocs {
                let key = IOCKey(ioc)
                if let existing = index[key] {
                    iocs[existing] = ioc
                } else {
                    index[key] = iocs.count
                    iocs.append(ioc)
                }
            }
            rejected += other.rejected
            skipped += other.skipped
            let listed = Set(iocs.map(IOCKey.init))
            withdrawn = Array(Set(withdrawn + other.withdrawn).subtracting(listed))
        }
    }

    /// Parses `text` in `options.format`, or in the format its content shows.
    public static func parse(
        _ text: String, defaults: Defaults, options: Options = Options(), at time: Date
    ) -> Result {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let format = options.format ?? detect(trimmed)
        switch format {
        case .stix, .taxii, .misp, .json:
            return parseJSON(trimmed, format: format, defaults: defaults, at: time)
        case .csv:
            if let column = options.column { return parseColumn(trimmed, column, defaults: defaults, at: time) }
            return parseLines(trimmed, defaults: defaults, at: time)
        case .list:
            return parseList(trimmed, defaults: defaults, at: time)
        }
    }

    /// The format `text` (trimmed) is in: JSON by its first character, else CSV (which reads
    /// single-value lines as a list).
    public static func detect(_ text: String) -> FeedFormat {
        guard let first = text.first, first == "{" || first == "[" else { return .csv }
        return .json
    }

    /// JSON: STIX bundles and indicators, TAXII envelopes, MISP events (`{"Event": …}`, a list of
    /// them, or `{"response": [...]}`), and arrays of `{"type", "value", …}` objects.
    static func parseJSON(_ text: String, format: FeedFormat, defaults: Defaults, at time: Date) -> Result {
        var builder = Builder()
        guard let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else {
            builder.reject("body", "", "not valid JSON")
            return builder.result
        }
        if let object = json as? [String: Any] {
            if format == .misp || object["Event"] != nil || object["response"] is [Any] {
                let events = object["Event"].map { [$0] } ?? (object["response"] as? [Any] ?? [])
                parseMISP(events, defaults: defaults, at: time, into: &builder)
            } else if let type = object["type"] as? String, type == "bundle" || type == "indicator" {
                let objects = type == "bundle" ? object["objects"] as? [Any] ?? [] : [object]
                parseSTIX(objects, defaults: defaults, at: time, into: &builder)
            } else if let objects = object["objects"] as? [Any] {
                parseSTIX(objects, defaults: defaults, at: time, into: &builder)
            } else if object.isEmpty && format == .taxii {
                // An empty TAXII envelope: nothing new.
            } else if mispManifest(object) != nil {
                builder.reject(
                    "body", "", "this is a MISP feed manifest; import it by URL so its event files are fetched")
            } else {
                builder.reject(
                    "body", "",
                    "expected a STIX 2.1 bundle or indicator, a TAXII envelope, or a MISP event ({\"Event\": …})")
            }
        } else if let array = json as? [Any] {
            let objects = array.compactMap { $0 as? [String: Any] }
            if objects.contains(where: { $0["Event"] != nil }) {
                parseMISP(objects.compactMap { $0["Event"] }, defaults: defaults, at: time, into: &builder)
            } else if objects.contains(where: { $0["pattern"] != nil }) {
                parseSTIX(objects, defaults: defaults, at: time, into: &builder)
            } else {
                parseObjects(objects, defaults: defaults, at: time, into: &builder)
            }
        } else {
            builder.reject("body", "", "expected a JSON object or array")
        }
        return builder.result
    }

    /// `[{"type": "ip", "value": "…", "source"?, "note"?, "severity"?, "expires_at"?}, …]`.
    static func parseObjects(
        _ objects: [[String: Any]], defaults: Defaults, at time: Date, into builder: inout Builder
    ) {
        for (index, object) in objects.enumerated() {
            let location = "[\(index)]"
            guard let value = object["value"] as? String else {
                builder.reject(location, "", "each entry needs a string `value`")
                continue
            }
            let typeText = object["type"] as? String
            guard
                let type = typeText.map({ IOCType(rawValue: $0.lowercased()) }) ?? defaults.type ?? IOCType.guess(value)
            else {
                builder.reject(location, value, "unknown or missing type (ip, domain, sha256, sha1, md5)")
                continue
            }
            var severity = defaults.severity
            if let text = object["severity"] as? String {
                guard let parsed = Severity(rawValue: text.lowercased()) else {
                    builder.reject(location, value, "severity must be one of low, medium, high, critical")
                    continue
                }
                severity = parsed
            }
            var expiresAt = defaults.expiresAt
            if let text = object["expires_at"] as? String {
                guard let parsed = Timestamp.parse(text) else {
                    builder.reject(location, value, "expires_at must be an RFC 3339 time")
                    continue
                }
                expiresAt = parsed
            }
            builder.add(
                location, type: type, value: value, source: (object["source"] as? String) ?? defaults.source,
                note: (object["note"] as? String) ?? defaults.note, severity: severity, expiresAt: expiresAt, at: time)
        }
    }

    /// Collects valid IOCs (deduplicated, last one wins), rejections, skips and withdrawals.
    struct Builder {
        var iocs: [IOC] = []
        var index: [IOCKey: Int] = [:]
        var rejected: [Rejection] = []
        var skipped = 0
        var withdrawn: Set<IOCKey> = []

        mutating func reject(_ location: String, _ value: String, _ reason: String) {
            rejected.append(Rejection(location: location, value: String(value.prefix(200)), reason: reason))
        }

        mutating func add(
            _ location: String, type: IOCType, value: String, source: String, note: String, severity: Severity,
            expiresAt: Date?, at time: Date
        ) {
            do {
                let canonical = try type.canonical(value)
                let ioc = IOC(
                    type: type, value: canonical, source: source, note: String(note.prefix(1000)), severity: severity,
                    createdAt: time, expiresAt: expiresAt)
                let key = IOCKey(type: type, value: canonical)
                withdrawn.remove(key)
                if let existing = index[key] {
                    iocs[existing] = ioc
                } else {
                    index[key] = iocs.count
                    iocs.append(ioc)
                }
            } catch {
                reject(location, value, "\(error)")
            }
        }

        /// Records that the source withdraws `value` (ignored when it is not a valid value).
        mutating func withdraw(type: IOCType, value: String) {
            guard let canonical = try? type.canonical(value) else { return }
            let key = IOCKey(type: type, value: canonical)
            if index[key] == nil { withdrawn.insert(key) }
        }

        var result: Result {
            Result(iocs: iocs, rejected: rejected, skipped: skipped, withdrawn: withdrawn.sorted { $0.text < $1.text })
        }
    }
}

/// An IOC's identity: its type and canonical value.
public struct IOCKey: Sendable, Hashable {
    public var type: IOCType
    public var value: String

    public init(type: IOCType, value: String) {
        self.type = type
        self.value = value
    }

    public init(_ ioc: IOC) {
        self.init(type: ioc.type, value: ioc.value)
    }

    /// `type:value`.
    public var text: String { type.rawValue + ":" + value }
}
