import Foundation
import SIEMTestSupport
import Testing

/// The default rules on this project's synthetic samples (`Tests/Fixtures/synthetic`), against
/// the ground truth of `expected.json`: every attack-tagged web line raises the rule for its tag,
/// the false-positive bait raises nothing, and benign lines raise only the alerts listed here.
@Suite struct SyntheticDetectionTests {
    static let folder = TestData.fixtures.appendingPathComponent("synthetic")

    /// The rules each web attack tag of `expected.json` must raise (any of them).
    static let rulesOfTag: [String: Set<String>] = [
        "sqli": ["web_sql_injection"],
        "xss": ["web_xss"],
        "path_traversal": ["web_path_traversal"],
        "log4shell": ["web_log4shell"],
        "shellshock": ["web_shellshock"],
        "scanner_ua": ["web_scanner_user_agent"],
        "wp_login_probe": ["web_bot_path_probe"],
        // `/wp-config.php.bak` is a WordPress probe and a secret-file probe: the second says more.
        "wordpress_probe": ["web_bot_path_probe", "web_sensitive_file_probe"],
        "env_probe": ["web_sensitive_file_probe"],
        "git_probe": ["web_sensitive_file_probe"],
        "tls_handshake_on_http": ["web_malformed_request"],
    ]

    /// Alerts that benign lines raise, and why each is right to: (file, rule) → (count, reason).
    static let benignAlerts: [String: (count: Int, reason: String)] = [
        "auth.log ssh_failed_password": (1, "bob mistypes his password once before logging in"),
        "auth.log sudo_auth_failure": (
            2, "bob's sudo password typo: pam_unix(sudo:auth) and `3 incorrect password attempts`"
        ),
        "auth.log sudo_root_shell": (1, "dave runs `sudo /bin/bash`: an allowed root shell is what the rule reports"),
        "syslog-rfc5424.log sso_login_failure": (5, "five users mistype their SSO password once each"),
        "windows-4625.ndjson windows_failed_logon": (3, "bob's, carol's and an admin's logon typos"),
        "windows-4625.ndjson windows_user_account_created": (1, "IT creates CORP\\frank"),
        "windows-4625.ndjson windows_group_membership_changed": (
            1, "IT adds frank to Remote Desktop Users: a non-admin group, so low and not `added to admins`"
        ),
        "windows-4625.ndjson windows_service_installed": (1, "a software updater installs its service"),
    ]

    static let files = [
        "auth.log", "ufw.log", "named-queries.log", "dhcpd.log", "web-attacks.log", "syslog-rfc5424.log",
        "windows-4625.ndjson",
    ]

    static func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("expected.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func lines(of file: String) throws -> [String] {
        try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }

    @Test func everyWebAttackLineRaisesTheRuleOfItsTag() throws {
        let expected = try Self.expected()
        let web = try #require((expected["files"] as? [String: Any])?["web-attacks.log"] as? [String: Any])
        let expectedCounts = try #require(web["tags"] as? [String: Int])
        let replay = LineReplay(rules: try DefaultRules.measured().rules)
        var tagged: [String: Int] = [:]
        var raised: [String: Int] = [:]
        var misses: [String] = []
        for line in try Self.lines(of: "web-attacks.log") {
            let parsed = try #require(SyntheticWebLine(line), "not a combined line: \(line)")
            let tags = parsed.tags
            guard !tags.isEmpty else { continue }
            let fired = Set(try replay.ruleIDs(line))
            for tag in tags.sorted() {
                let rules = try #require(Self.rulesOfTag[tag], "no rule for tag \(tag)")
                tagged[tag, default: 0] += 1
                if !fired.isDisjoint(with: rules) {
                    raised[tag, default: 0] += 1
                } else {
                    misses.append(
                        "\(tag) → \(rules.sorted()) not raised [\(fired.sorted().joined(separator: ","))]: \(line)")
                }
            }
        }
        // The tagger here agrees with the generator's, so "every tagged line" means its lines.
        #expect(tagged == expectedCounts)
        var table = ["| tag | lines | rule | raised |", "| --- | ---: | --- | ---: |"]
        for tag in tagged.keys.sorted() {
            let rules = Self.rulesOfTag[tag]!.sorted().joined(separator: " or ")
            table.append("| \(tag) | \(tagged[tag]!) | \(rules) | \(raised[tag, default: 0]) |")
        }
        print((["synthetic web-attacks.log: attack tags and the rules they raise"] + table).joined(separator: "\n"))
        #expect(misses.isEmpty, "\(misses.count) misses:\n\(misses.prefix(40).joined(separator: "\n"))")
    }

    @Test func falsePositiveBaitRaisesNothing() throws {
        let expected = try Self.expected()
        let web = try #require((expected["files"] as? [String: Any])?["web-attacks.log"] as? [String: Any])
        let bait = try #require(web["benign_false_positive_bait"] as? [String])
        #expect(bait.count == 3)
        let replay = LineReplay(rules: try DefaultRules.measured().rules)
        let lines = try Self.lines(of: "web-attacks.log")
        for target in bait {
            let hits = lines.filter { $0.contains("\"GET \(target) ") }
            #expect(!hits.isEmpty, "no line requests \(target)")
            for line in hits {
                #expect(try replay.ruleIDs(line).isEmpty, "\(line)")
            }
        }
    }

    @Test func benignLinesRaiseOnlyTheDocumentedAlerts() throws {
        let expected = try Self.expected()
        let attackers = Set(try #require(expected["attacker_ips"] as? [String: String]).keys)
        let replay = LineReplay(rules: try DefaultRules.measured().rules)
        var raised: [String: Int] = [:]
        var examples: [String: String] = [:]
        for file in Self.files {
            for line in try Self.lines(of: file) where !Self.isAttack(line, in: file, attackers: attackers) {
                for rule in try replay.ruleIDs(line) {
                    raised["\(file) \(rule)", default: 0] += 1
                    examples["\(file) \(rule)"] = examples["\(file) \(rule)"] ?? line
                }
            }
        }
        for (key, count) in raised.sorted(by: { $0.key < $1.key }) {
            print("benign alert \(key): \(count) (\(Self.benignAlerts[key]?.reason ?? "UNDOCUMENTED"))")
        }
        for (key, count) in raised {
            let documented = Self.benignAlerts[key]
            #expect(documented != nil, "undocumented benign alert \(key) ×\(count), e.g. \(examples[key] ?? "")")
            if let documented {
                #expect(count == documented.count, "\(key): \(count) benign alerts, documented \(documented.count)")
            }
        }
        for key in Self.benignAlerts.keys where raised[key] == nil {
            Issue.record("documented benign alert \(key) no longer raised")
        }
    }

    /// Whether a line is part of an attack: it names an attacking address (`attacker_ips`, or the
    /// background-noise blocks 198.51.100.150–199 and 203.0.113.160–199), or it is one of the
    /// attacks without an address that README.md describes: the sprayer's sudo attempts as
    /// `intern`, the `'su root' failed` line, and the intruder's session on RDS01 (14:05–14:16).
    static func isAttack(_ line: String, in file: String, attackers: Set<String>) -> Bool {
        for address in addresses(in: line) {
            if attackers.contains(address) { return true }
            let octets = address.split(separator: ".").compactMap { Int($0) }
            guard octets.count == 4 else { continue }
            if address.hasPrefix("198.51.100."), (150...199).contains(octets[3]) { return true }
            if address.hasPrefix("203.0.113."), (160...199).contains(octets[3]) { return true }
        }
        switch file {
        case "auth.log": return line.contains(" intern : ")
        case "syslog-rfc5424.log": return line.contains("'su root' failed")
        case "windows-4625.ndjson":
            guard line.contains("\"RDS01.corp.example.com\""),
                let time = line.range(of: #""TimeCreated":"[^"]+""#, options: .regularExpression)
            else { return false }
            let stamp = String(line[time].dropFirst(15).dropLast())
            return stamp >= "2026-03-14T14:05:00" && stamp < "2026-03-14T14:16:00"
        default: return false
        }
    }

    static let address = try! NSRegularExpression(pattern: #"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])"#)

    static func addresses(in line: String) -> [String] {
        address.matches(in: line, range: NSRange(line.startIndex..., in: line)).compactMap {
            Range($0.range, in: line).map { String(line[$0]) }
        }
    }
}
