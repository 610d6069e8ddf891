import Foundation

/// Parses bulk IOC imports: CSV (`type,value[,source[,note[,severity[,expires_at]]]]`, optional
/// header), one value per line (type given or guessed), and STIX 2.1 bundles whose indicator
/// patterns are plain equality comparisons on `ipv4-addr:value`, `ipv6-addr:value`,
/// `domain-name:value` or `file:hashes.'SHA-256'` (also SHA-1, MD5), joined by `OR`.
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

    /// An entry that could not be imported, with where it was and why.
    public struct Rejection: Sendable, Hashable {
        public var location: String
        public var value: String
        public var reason: String
    }

    /// The valid IOCs (canonical, deduplicated by type and value, last one wins) and the rejections.
    public struct Result: Sendable {
        public var iocs: [IOC]
        public var rejected: [Rejection]
    }

    /// Parses `text` as a STIX bundle when it is a JSON object, else as CSV or one value per line.
    public static func parse(_ text: String, defaults: Defaults, at time: Date) -> Result {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") { return parseSTIX(trimmed, defaults: defaults, at: time) }
        return parseLines(trimmed, defaults: defaults, at: time)
    }

    static func parseLines(_ text: String, defaults: Defaults, at time: Date) -> Result {
        var builder = Builder()
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            let location = "line \(offset + 1)"
            if line.isEmpty || line.hasPrefix("#") { continue }
            let columns = splitCSV(line)
            if offset == 0, columns.first?.lowercased() == "type", columns.count > 1 { continue }
            var typeText: String?
            var value: String
            if columns.count >= 2 {
                typeText = columns[0]
                value = columns[1]
            } else {
                value = columns.first ?? line
            }
            let type: IOCType?
            if let typeText {
                type = IOCType(rawValue: typeText.lowercased())
                guard type != nil else {
                    builder.reject(location, value, "unknown type \"\(typeText)\" (ip, domain, sha256, sha1, md5)")
                    continue
                }
            } else {
                type = defaults.type ?? IOCType.guess(value)
            }
            guard let type else {
                builder.reject(location, value, "cannot tell the type of this value; pass ?type=")
                continue
            }
            var severity = defaults.severity
            if columns.count > 4, !columns[4].isEmpty {
                guard let parsed = Severity(rawValue: columns[4].lowercased()) else {
                    builder.reject(location, value, "severity must be one of low, medium, high, critical")
                    continue
                }
                severity = parsed
            }
            var expiresAt = defaults.expiresAt
            if columns.count > 5, !columns[5].isEmpty {
                guard let parsed = Timestamp.parse(columns[5]) else {
                    builder.reject(location, value, "expires_at must be an RFC 3339 time or a Unix epoch")
                    continue
                }
                expiresAt = parsed
            }
            value = value.trimmingCharacters(in: .whitespaces)
            builder.add(
                location, type: type, value: value,
                source: columns.count > 2 && !columns[2].isEmpty ? columns[2] : defaults.source,
                note: columns.count > 3 ? columns[3] : defaults.note,
                severity: severity, expiresAt: expiresAt, at: time)
        }
        return builder.result
    }

    static func parseSTIX(_ text: String, defaults: Defaults, at time: Date) -> Result {
        var builder = Builder()
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            builder.reject("body", "", "not a JSON object")
            return builder.result
        }
        let objects: [[String: Any]]
        if object["type"] as? String == "bundle" {
            objects = object["objects"] as? [[String: Any]] ?? []
        } else if object["type"] as? String == "indicator" {
            objects = [object]
        } else {
            builder.reject("body", "", "expected a STIX 2.1 bundle (\"type\": \"bundle\") or an indicator")
            return builder.result
        }
        for (index, indicator) in objects.enumerated() where indicator["type"] as? String == "indicator" {
            let location = (indicator["id"] as? String) ?? "objects[\(index)]"
            guard let pattern = indicator["pattern"] as? String else {
                builder.reject(location, "", "the indicator has no pattern")
                continue
            }
            if let patternType = indicator["pattern_type"] as? String, patternType.lowercased() != "stix" {
                builder.reject(location, pattern, "only STIX patterns are supported, not \(patternType)")
                continue
            }
            guard let comparisons = equalities(in: pattern) else {
                builder.reject(
                    location, pattern,
                    "only equality comparisons on ipv4-addr, ipv6-addr, domain-name and file hashes joined by OR are supported"
                )
                continue
            }
            let note = (indicator["name"] as? String) ?? (indicator["description"] as? String) ?? defaults.note
            let expiresAt = (indicator["valid_until"] as? String).flatMap(Timestamp.parse) ?? defaults.expiresAt
            for (type, value) in comparisons {
                builder.add(
                    location, type: type, value: value, source: defaults.source, note: note,
                    severity: defaults.severity, expiresAt: expiresAt, at: time)
            }
        }
        return builder.result
    }

    private static let comparison: NSRegularExpression = {
        let object =
            #"(ipv4-addr:value|ipv6-addr:value|domain-name:value|file:hashes\.(?:'[^']+'|"[^"]+"|[A-Za-z0-9-]+))"#
        // Force-try: the pattern is a constant checked by the tests.
        return try! NSRegularExpression(pattern: #"^\s*"# + object + #"\s*=\s*'((?:[^'\\]|\\.)*)'\s*$"#)
    }()

    /// The (type, value) pairs of a pattern like `[a = 'x'] OR [b = 'y']` or `[a = 'x' OR b = 'y']`;
    /// nil when it uses anything else.
    static func equalities(in pattern: String) -> [(IOCType, String)]? {
        var result: [(IOCType, String)] = []
        let stripped = pattern.replacingOccurrences(of: "[", with: " ").replacingOccurrences(of: "]", with: " ")
        for part in stripped.components(separatedBy: " OR ") {
            let range = NSRange(part.startIndex..., in: part)
            guard let match = comparison.firstMatch(in: part, range: range),
                let objectRange = Range(match.range(at: 1), in: part),
                let valueRange = Range(match.range(at: 2), in: part)
            else { return nil }
            let object = part[objectRange].lowercased()
            let value = String(part[valueRange]).replacingOccurrences(of: "\\'", with: "'")
            let type: IOCType
            if object.hasPrefix("ipv4") || object.hasPrefix("ipv6") {
                type = .ip
            } else if object.hasPrefix("domain") {
                type = .domain
            } else {
                let algorithm = object.dropFirst("file:hashes.".count).filter { $0.isLetter || $0.isNumber }
                switch algorithm {
                case "sha256": type = .sha256
                case "sha1": type = .sha1
                case "md5": type = .md5
                default: return nil
                }
            }
            result.append((type, value))
        }
        return result.isEmpty ? nil : result
    }

    /// Splits one CSV line: commas separate, double quotes group (`""` is a quote).
    static func splitCSV(_ line: String) -> [String] {
        var columns: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" {
                            current.append("\"")
                        } else {
                            quoted = false
                            if next == "," {
                                columns.append(current)
                                current = ""
                            } else {
                                current.append(next)
                            }
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                columns.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        columns.append(current)
        return columns.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    private struct Builder {
        var iocs: [IOC] = []
        var index: [String: Int] = [:]
        var rejected: [Rejection] = []

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
                    type: type, value: canonical, source: source, note: note, severity: severity, createdAt: time,
                    expiresAt: expiresAt)
                let key = type.rawValue + ":" + canonical
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

        var result: Result { Result(iocs: iocs, rejected: rejected) }
    }
}
