import Foundation

/// Line formats: `type,value,…` CSV, one column of any CSV, and plain lists.
extension IOCImport {
    /// CSV `type,value[,source[,note[,severity[,expires_at]]]]` (a `type,…` header is skipped);
    /// a line without a comma is one value, read as in a list.
    static func parseLines(_ text: String, defaults: Defaults, at time: Date) -> Result {
        var builder = Builder()
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            let location = "line \(offset + 1)"
            if line.isEmpty || line.hasPrefix("#") { continue }
            let columns = splitCSV(line)
            if offset == 0, columns.first?.lowercased() == "type", columns.count > 1 { continue }
            guard columns.count >= 2 else {
                addListValue(line, location: location, defaults: defaults, at: time, into: &builder)
                continue
            }
            let typeText = columns[0]
            guard let type = IOCType(rawValue: typeText.lowercased()) else {
                builder.reject(location, columns[1], "unknown type \"\(typeText)\" (ip, domain, sha256, sha1, md5)")
                continue
            }
            var severity = defaults.severity
            if columns.count > 4, !columns[4].isEmpty {
                guard let parsed = Severity(rawValue: columns[4].lowercased()) else {
                    builder.reject(location, columns[1], "severity must be one of low, medium, high, critical")
                    continue
                }
                severity = parsed
            }
            var expiresAt = defaults.expiresAt
            if columns.count > 5, !columns[5].isEmpty {
                guard let parsed = Timestamp.parse(columns[5]) else {
                    builder.reject(location, columns[1], "expires_at must be an RFC 3339 time or a Unix epoch")
                    continue
                }
                expiresAt = parsed
            }
            builder.add(
                location, type: type, value: columns[1].trimmingCharacters(in: .whitespaces),
                source: columns.count > 2 && !columns[2].isEmpty ? columns[2] : defaults.source,
                note: columns.count > 3 ? columns[3] : defaults.note,
                severity: severity, expiresAt: expiresAt, at: time)
        }
        return builder.result
    }

    /// One value per line, commas included in the line: `#` and `;` start comments, hosts-file
    /// lines (`0.0.0.0 evil.example`) give their name.
    static func parseList(_ text: String, defaults: Defaults, at time: Date) -> Result {
        var builder = Builder()
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            addListValue(line, location: "line \(offset + 1)", defaults: defaults, at: time, into: &builder)
        }
        return builder.result
    }

    /// The values of one CSV column (1-based, or named by a header line, which may be a `#`
    /// comment as in abuse.ch exports). The type is `defaults.type`, else guessed per value; a first
    /// data line whose value does not read is taken as a header.
    static func parseColumn(_ text: String, _ column: CSVColumn, defaults: Defaults, at time: Date) -> Result {
        var builder = Builder()
        var index: Int?
        if case .index(let number) = column { index = number - 1 }
        var firstDataLine = true
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            guard let position = index else {
                // Looking for the header that names the column.
                if case .name(let name) = column {
                    let header = line.drop { $0 == "#" || $0 == " " }
                    index = splitCSV(String(header)).firstIndex { $0.lowercased() == name.lowercased() }
                }
                continue
            }
            if line.hasPrefix("#") { continue }
            let location = "line \(offset + 1)"
            let columns = splitCSV(line)
            let isFirst = firstDataLine
            firstDataLine = false
            guard position < columns.count, !columns[position].isEmpty else {
                builder.reject(location, line, "the line has no value in column \(position + 1)")
                continue
            }
            let value = columns[position]
            let type = defaults.type ?? IOCType.guess(value)
            if isFirst, type.flatMap({ try? $0.canonical(value) }) == nil { continue }
            guard let type else {
                builder.reject(location, value, "cannot tell the type of this value; give a type")
                continue
            }
            builder.add(
                location, type: type, value: value, source: defaults.source, note: defaults.note,
                severity: defaults.severity, expiresAt: defaults.expiresAt, at: time)
        }
        if index == nil, case .name(let name) = column {
            builder.reject("body", "", "no header line names a column \"\(name.prefix(100))\"")
        }
        return builder.result
    }

    /// Addresses hosts files map blocked names to.
    static let sinkholes: Set<String> = ["0.0.0.0", "127.0.0.1", "::", "::1", "0:0:0:0:0:0:0:0", "255.255.255.255"]

    /// One list value: the first word before any comment; in a hosts-file line, the name.
    static func addListValue(
        _ line: String, location: String, defaults: Defaults, at time: Date, into builder: inout Builder
    ) {
        var content = Substring(line)
        if let comment = content.firstIndex(where: { $0 == "#" || $0 == ";" }) { content = content[..<comment] }
        let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard var value = words.first else { return }
        if words.count >= 2, sinkholes.contains(value) {
            value = words[1]
            // `0.0.0.0 0.0.0.0`, `127.0.0.1 localhost`: the file's own entries, not indicators.
            if sinkholes.contains(value) || !value.contains(".") || value.hasSuffix(".localdomain") {
                builder.skipped += 1
                return
            }
        }
        guard let type = defaults.type ?? IOCType.guess(value) else {
            builder.reject(location, value, "cannot tell the type of this value; give a type")
            return
        }
        builder.add(
            location, type: type, value: value, source: defaults.source, note: defaults.note,
            severity: defaults.severity, expiresAt: defaults.expiresAt, at: time)
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
}
