import Foundation
import SIEMTestSupport
import Testing

/// fail2ban's filter regression fixtures in the shared samples: real log lines, each after a
/// `# failJSON: {…, "match": true|false, …}` line that says whether fail2ban bans on it.
enum Fail2banFixtures {
    /// One labelled log line.
    struct Line: Sendable {
        var file: String
        /// 1-based, in the file.
        var number: Int
        var text: String
        /// The `match` of the `# failJSON:` line before it.
        var match: Bool
    }

    /// The fixtures, relative to `TestData.shared`.
    static let files = [
        "linux_auth/fail2ban_sshd.log",
        "linux_auth/fail2ban_pam-generic.log",
        "linux_auth/fail2ban_selinux-ssh.log",
        "web_error/fail2ban_apache-auth.log",
        "web_error/fail2ban_apache-botsearch.log",
        "web_error/fail2ban_apache-noscript.log",
        "web_error/fail2ban_apache-overflows.log",
        "web_error/fail2ban_apache-shellshock.log",
        "web_error/fail2ban_nginx-http-auth.log",
        "web_access/fail2ban_nginx-botsearch.log",
        "dns_bind/fail2ban_named-refused.log",
        "firewall_iptables/fail2ban_portsentry.log",
        "firewall_iptables/fail2ban_scanlogd.log",
    ]

    /// The log lines of `file`: `#` lines are dropped (a `# failJSON:` one labels the next log
    /// line), and so are blank lines.
    static func lines(of file: String) throws -> [Line] {
        let text = try String(contentsOf: TestData.shared.appendingPathComponent(file), encoding: .utf8)
        var result: [Line] = []
        var label: Bool?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.hasPrefix("#") {
                if line.hasPrefix("# failJSON:") {
                    let json = Data(line.dropFirst("# failJSON:".count).utf8)
                    let object = try #require(
                        try JSONSerialization.jsonObject(with: json) as? [String: Any], "\(file):\(index + 1)")
                    label = try #require(object["match"] as? Bool, "\(file):\(index + 1) has no match")
                }
                continue
            }
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let match = try #require(label as Bool?, "\(file):\(index + 1) has no failJSON before it")
            result.append(Line(file: file, number: index + 1, text: line, match: match))
            label = nil
        }
        return result
    }
}
