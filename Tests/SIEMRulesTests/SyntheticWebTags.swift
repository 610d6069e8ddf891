import Foundation

/// The attack tags of a line of `synthetic/web-attacks.log`, judged as the generator judges them
/// (`web_tags` in `generate.py`): from the logged request target, Referer and User-Agent, each
/// read as logged and after up to three rounds of URL-decoding. `expected.json` holds only the
/// per-tag counts; this gives the tags of each line, and the test checks the counts agree.
struct SyntheticWebLine {
    var address: String
    var request: String
    var referrer: String
    var userAgent: String

    /// `IP - user [time] "request" status bytes "referer" "user-agent"`, as nginx `combined`
    /// writes it (`"` inside a field is escaped as `\x22`).
    init?(_ line: String) {
        let parts = line.components(separatedBy: "\"")
        guard parts.count == 7, let address = parts[0].split(separator: " ").first else { return nil }
        self.address = String(address)
        request = parts[1]
        referrer = parts[3]
        userAgent = parts[5]
    }

    static let sqli = try! NSRegularExpression(
        pattern:
            #"('\s*(or|and)\s+['"0-9(])|(\bunion(\s|/\*\*/)+(all(\s|/\*\*/)+)?select\b)|(\b(sleep|pg_sleep|benchmark)\s*\()"#
            + #"|(waitfor\s+delay)|(information_schema)|(\bor\s+\d+\s*=\s*\d+)|(\band\s+\d+\s*=\s*\d+)|(extractvalue\s*\()"#
            + #"|(xp_cmdshell)|('\s*--)|(\)\s*and\s+\d)"#)
    static let xss = try! NSRegularExpression(
        pattern:
            #"(<\s*script)|(on(error|load)\s*=)|(javascript:)|(<\s*svg)|(<\s*iframe)|(<\s*img[^>]*src)|(alert\s*\()"#)
    static let log4shell = try! NSRegularExpression(pattern: #"\$\{[^}]*\$\{[^}]*(lower:|upper:|::-)"#)
    static let scanner = try! NSRegularExpression(pattern: "sqlmap|nikto|nmap|masscan|zgrab")
    static let wordpress = try! NSRegularExpression(
        pattern: #"/wp-(admin|content|includes|config|login)|/xmlrpc\.php|/wordpress/"#)
    static let env = try! NSRegularExpression(pattern: #"/\.env($|\.)"#)

    var tags: Set<String> {
        if request.hasPrefix(#"\x16\x03"#) { return ["tls_handshake_on_http"] }
        var target = request
        if let first = target.firstIndex(of: " ") { target = String(target[target.index(after: first)...]) }
        if let last = target.lastIndex(of: " ") { target = String(target[..<last]) }
        var tags: Set<String> = []
        for (index, raw) in [target, referrer, userAgent].enumerated() {
            var text = raw.replacingOccurrences(of: #"\x22"#, with: "\"").replacingOccurrences(of: #"\x5C"#, with: "\\")
            var layers = [text]
            for _ in 0..<3 {
                text = Self.unquote(text, plus: index == 0)
                layers.append(text)
            }
            let field = layers.map { $0.lowercased() }.joined(separator: " ")
            if Self.sqli.matches(field) { tags.insert("sqli") }
            if Self.xss.matches(field) { tags.insert("xss") }
            if field.contains("../") || field.contains("..\\") { tags.insert("path_traversal") }
            if field.contains("${jndi:") || Self.log4shell.matches(field) { tags.insert("log4shell") }
            if field.contains("() {") { tags.insert("shellshock") }
        }
        if Self.scanner.matches(userAgent.lowercased()) { tags.insert("scanner_ua") }
        let path = String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]).lowercased()
        if path.contains("/wp-login.php") { tags.insert("wp_login_probe") }
        if Self.wordpress.matches(path) { tags.insert("wordpress_probe") }
        if Self.env.matches(path) { tags.insert("env_probe") }
        if path.contains("/.git/") { tags.insert("git_probe") }
        return tags
    }

    /// Python's `unquote` (or `unquote_plus`): `%XX` to bytes, read as UTF-8 with replacement.
    static func unquote(_ text: String, plus: Bool) -> String {
        let bytes = Array((plus ? text.replacingOccurrences(of: "+", with: " ") : text).utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hex(bytes[index + 1]),
                let low = hex(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension NSRegularExpression {
    func matches(_ text: String) -> Bool {
        firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
