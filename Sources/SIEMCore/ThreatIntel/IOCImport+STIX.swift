import Foundation

/// STIX 2.1 indicators (from a bundle or a TAXII envelope) whose patterns are plain equality
/// comparisons on `ipv4-addr:value`, `ipv6-addr:value`, `domain-name:value`, `url:value` (its host)
/// or `file:hashes.'SHA-256'` (also SHA-1, MD5), joined by `OR`. Revoked indicators are withdrawn.
extension IOCImport {
    static func parseSTIX(_ objects: [Any], defaults: Defaults, at time: Date, into builder: inout Builder) {
        for (index, element) in objects.enumerated() {
            guard let indicator = element as? [String: Any], indicator["type"] as? String == "indicator" else {
                continue
            }
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
                    "only equality comparisons on ipv4-addr, ipv6-addr, domain-name, url and file hashes joined by OR are supported"
                )
                continue
            }
            if indicator["revoked"] as? Bool == true {
                for (type, value) in comparisons { builder.withdraw(type: type, value: value) }
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
    }

    /// A TAXII 2.1 envelope: its indicators, whether more pages follow, and the `next` token.
    public static func parseTAXIIEnvelope(
        _ text: String, defaults: Defaults, at time: Date
    ) -> (result: Result, more: Bool, next: String?) {
        let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        guard let object else {
            var builder = Builder()
            builder.reject("body", "", "not a TAXII envelope (a JSON object)")
            return (builder.result, false, nil)
        }
        var builder = Builder()
        parseSTIX(object["objects"] as? [Any] ?? [], defaults: defaults, at: time, into: &builder)
        let next = (object["next"] as? String) ?? (object["next"] as? Int).map(String.init)
        return (builder.result, object["more"] as? Bool ?? false, next)
    }

    private static let comparison: NSRegularExpression = {
        let object =
            #"(ipv4-addr:value|ipv6-addr:value|domain-name:value|url:value|file:hashes\.(?:'[^']+'|"[^"]+"|[A-Za-z0-9-]+))"#
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
            if object.hasPrefix("ipv4") || object.hasPrefix("ipv6") {
                result.append((.ip, value))
            } else if object.hasPrefix("domain") {
                result.append((.domain, value))
            } else if object.hasPrefix("url") {
                guard let host = urlHost(value) else { return nil }
                result.append(host)
            } else {
                let algorithm = object.dropFirst("file:hashes.".count).filter { $0.isLetter || $0.isNumber }
                switch algorithm {
                case "sha256": result.append((.sha256, value))
                case "sha1": result.append((.sha1, value))
                case "md5": result.append((.md5, value))
                default: return nil
                }
            }
        }
        return result.isEmpty ? nil : result
    }

    /// The host of a URL as an IP or domain IOC value (`https://user@Evil.Example:8443/x` gives
    /// `(.domain, "Evil.Example")`); nil when there is none.
    static func urlHost(_ url: String) -> (IOCType, String)? {
        var rest = Substring(url.trimmingCharacters(in: .whitespaces))
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0 == "\\" }) {
            rest = rest[..<end]
        }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        var host: Substring
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
        } else if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
        } else {
            host = rest
        }
        host = host.drop { $0 == "." }
        guard !host.isEmpty else { return nil }
        let text = String(host)
        return IPAddress.canonical(text) != nil ? (.ip, text) : (.domain, text)
    }
}
