import Foundation

/// MISP: event JSON (`{"Event": {"info", "threat_level_id", "Attribute": [...], "Object":
/// [{"Attribute": [...]}]}}`) and the `manifest.json` of a MISP feed, which lists its event files.
///
/// Attributes with `to_ids` off are context, not indicators, and are skipped, as are types with no
/// IOC type (`text`, `link`, `email-src`, …). Deleted attributes are withdrawn.
extension IOCImport {
    static func parseMISP(_ events: [Any], defaults: Defaults, at time: Date, into builder: inout Builder) {
        for (eventIndex, element) in events.enumerated() {
            guard var event = element as? [String: Any] else { continue }
            if let inner = event["Event"] as? [String: Any] { event = inner }
            let eventName = (event["uuid"] as? String) ?? "Event[\(eventIndex)]"
            let info = (event["info"] as? String) ?? ""
            let severity = threatLevel(event["threat_level_id"]) ?? defaults.severity
            var attributes = event["Attribute"] as? [Any] ?? []
            for object in event["Object"] as? [Any] ?? [] {
                attributes += (object as? [String: Any])?["Attribute"] as? [Any] ?? []
            }
            for (index, element) in attributes.enumerated() {
                guard let attribute = element as? [String: Any], let type = attribute["type"] as? String,
                    let value = attribute["value"] as? String
                else { continue }
                let location = "\(eventName) attribute \((attribute["uuid"] as? String) ?? String(index))"
                guard let values = mispValues(type: type, value: value) else {
                    builder.skipped += 1
                    continue
                }
                if flag(attribute["deleted"]) == true {
                    for (type, value) in values { builder.withdraw(type: type, value: value) }
                    continue
                }
                if flag(attribute["to_ids"]) == false {
                    builder.skipped += 1
                    continue
                }
                let comment = (attribute["comment"] as? String) ?? ""
                let note = [info, comment].filter { !$0.isEmpty }.joined(separator: ": ")
                for (type, value) in values {
                    builder.add(
                        location, type: type, value: value, source: defaults.source,
                        note: note.isEmpty ? defaults.note : note, severity: severity,
                        expiresAt: defaults.expiresAt, at: time)
                }
            }
        }
    }

    /// Our IOCs for a MISP attribute; nil for types we do not match. A URL gives its host.
    static func mispValues(type: String, value: String) -> [(IOCType, String)]? {
        let parts = value.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        switch type.lowercased() {
        case "ip-src", "ip-dst", "ip":
            return [(.ip, value)]
        case "ip-src|port", "ip-dst|port":
            return [(.ip, parts[0])]
        case "domain", "hostname":
            return [(.domain, value)]
        case "hostname|port":
            return [(.domain, parts[0])]
        case "domain|ip":
            return parts.count == 2 ? [(.domain, parts[0]), (.ip, parts[1])] : nil
        case "url":
            return urlHost(value).map { [$0] }
        case "md5", "sha1", "sha256":
            return IOCType(rawValue: type.lowercased()).map { [($0, value)] }
        case "filename|md5", "filename|sha1", "filename|sha256", "malware-sample":
            let hash = type.lowercased() == "malware-sample" ? "md5" : String(type.lowercased().dropFirst(9))
            return parts.count >= 2 ? IOCType(rawValue: hash).map { [($0, parts[parts.count - 1])] } : nil
        default:
            return nil
        }
    }

    /// MISP's `threat_level_id`: 1 high, 2 medium, 3 low, 4 undefined (nil).
    static func threatLevel(_ value: Any?) -> Severity? {
        switch (value as? String) ?? (value as? Int).map(String.init) {
        case "1": .high
        case "2": .medium
        case "3": .low
        default: nil
        }
    }

    /// A MISP boolean: `true`/`false`, `"1"`/`"0"`, 1/0.
    static func flag(_ value: Any?) -> Bool? {
        if let bool = value as? Bool { return bool }
        if let int = value as? Int { return int != 0 }
        if let text = value as? String { return text == "1" || text.lowercased() == "true" }
        return nil
    }

    /// The event UUIDs a MISP feed's `manifest.json` lists, newest first; nil when `text` is not one.
    public static func mispManifest(in text: String) -> [String]? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{"),
            let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any]
        else { return nil }
        return mispManifest(object)
    }

    /// A manifest maps event UUIDs to `{"info", "timestamp", "Orgc", …}`.
    static func mispManifest(_ object: [String: Any]) -> [String]? {
        guard !object.isEmpty, object["Event"] == nil else { return nil }
        var entries: [(uuid: String, timestamp: Int)] = []
        for (key, value) in object {
            guard isUUID(key), let entry = value as? [String: Any], entry["info"] != nil || entry["timestamp"] != nil
            else { return nil }
            let timestamp = (entry["timestamp"] as? Int) ?? Int((entry["timestamp"] as? String) ?? "") ?? 0
            entries.append((key, timestamp))
        }
        return entries.sorted { ($0.timestamp, $0.uuid) > ($1.timestamp, $1.uuid) }.map(\.uuid)
    }

    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else if !IndicatorExtractor.isHexDigit(byte) {
                return false
            }
        }
        return true
    }
}
