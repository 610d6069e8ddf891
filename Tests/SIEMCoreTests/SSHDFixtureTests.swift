import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

/// fail2ban's own regression fixtures as ground truth: every line its filters ban on comes out as
/// an authentication failure with a specific action, from the address fail2ban would ban.
@Suite struct SSHDFixtureTests {
    /// A log line and its `# failJSON:` annotation.
    struct Annotated {
        let line: String
        let match: Bool
        let host: String?
        let user: String?
    }

    static func annotated(_ file: String) throws -> [Annotated] {
        let text = String(decoding: try Samples.contents(file), as: UTF8.self)
        var result: [Annotated] = []
        var pending: [String: Any]?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            if let json = line.range(of: "# failJSON:") {
                let object = try JSONSerialization.jsonObject(with: Data(line[json.upperBound...].utf8))
                pending = object as? [String: Any]
                continue
            }
            guard !line.hasPrefix("#"), !line.trimmingCharacters(in: .whitespaces).isEmpty, let annotation = pending
            else { continue }
            pending = nil
            result.append(
                Annotated(
                    line: line, match: annotation["match"] as? Bool ?? false, host: annotation["host"] as? String,
                    user: annotation["user"] as? String))
        }
        return result
    }

    /// The actions of lines that are authentication failures.
    static let failureActions: Set<String> = [
        "invalid-user", "user-not-allowed", "root-login-refused", "too-many-auth-failures", "preauth-disconnect",
        "protocol-error", "negotiation-failed", "preauth-timeout", "refused-connect", "pam-auth-failure",
        "pam-user-unknown", "user-auth", "user-err",
    ]

    /// fail2ban bans these only because of the lines before them (same connection); one line
    /// alone is not a failure, or names no host. The `[sshd]` lines need the syslog header to
    /// read `[sshd]` as the program (see the report to the lead).
    static let needsContext = [
        "Connection closed by 192.0.2.15 port 35352",
        "[sshd]: User root from 211.188.220.49",
        "[sshd] User root from 1.2.3.4",
    ]

    func check(_ item: Annotated, _ event: Event) {
        let context = Comment(rawValue: item.line)
        if item.match {
            if item.line.contains(" Accepted ") {
                #expect(event["event.outcome"] == "success", context)
            } else {
                #expect(event["event.outcome"] == "failure", context)
                #expect(event["event.category"] == "authentication", context)
                let action = event["event.action"] ?? ""
                #expect(action.hasPrefix("failed-") || Self.failureActions.contains(action), context)
            }
        }
        if let host = item.host, item.line.contains(host) || item.line.contains("::ffff:\(host)") {
            if let address = IPAddress.canonical(host) {
                #expect(event["source.ip"] == address, context)
            } else {
                #expect(event["source.domain"] == host.lowercased(), context)
            }
        }
        if let user = item.user {
            #expect(event["user.name"] == (user.isEmpty ? nil : user), context)
        }
    }

    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func fail2banSSHD() throws {
        let items = try Self.annotated("linux_auth/fail2ban_sshd.log")
        #expect(items.count == 155)
        #expect(items.filter(\.match).count == 109)
        var checked = 0
        for item in items where !Self.needsContext.contains(where: { item.line.contains($0) }) {
            check(item, Samples.normalize(item.line))
            checked += 1
        }
        #expect(checked == 152)
        // The injection lines fail2ban tests with: the host is the address sshd wrote last.
        let injected = items.filter { $0.line.contains("10.10.1.") || $0.line.contains(": ruser") }
        #expect(injected.count == 6)
        #expect(injected.allSatisfy { Samples.normalize($0.line)["source.ip"] == IPAddress.canonical($0.host ?? "") })
    }

    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func fail2banPAMGeneric() throws {
        let items = try Self.annotated("linux_auth/fail2ban_pam-generic.log")
        #expect(items.filter(\.match).count == 8)
        for item in items { check(item, Samples.normalize(item.line)) }
    }

    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func fail2banSELinuxSSH() throws {
        let items = try Self.annotated("linux_auth/fail2ban_selinux-ssh.log")
        #expect(items.filter(\.match).count == 5)
        for item in items {
            let event = Samples.normalize(item.line)
            check(item, event)
            #expect(event["process.executable"] == "/usr/sbin/sshd")
            #expect(event["event.outcome"] == "failure")
        }
    }

    /// OpenSSH 9.8 moved the per-connection work to `sshd-session` (and 10.0 authentication to
    /// `sshd-auth`); their lines read exactly as sshd's, under their own program name.
    @Test(arguments: ["sshd-session", "sshd-auth"])
    func opensshSessionProcesses(program: String) {
        let cases: [(String, String, String?, String?)] = [
            ("Failed password for root from 203.0.113.5 port 50022 ssh2", "failed-password", "203.0.113.5", "root"),
            (
                "Failed publickey for git from 203.0.113.5 port 50023 ssh2: ED25519 SHA256:abc", "failed-publickey",
                "203.0.113.5", "git"
            ),
            (
                "Failed keyboard-interactive/pam for invalid user admin from 203.0.113.5 port 50024 ssh2",
                "failed-keyboard-interactive-pam", "203.0.113.5", "admin"
            ),
            (
                "Failed none for invalid user guest from 203.0.113.5 port 50025 ssh2", "failed-none", "203.0.113.5",
                "guest"
            ),
            ("Invalid user oracle from 203.0.113.5 port 50026", "invalid-user", "203.0.113.5", "oracle"),
            (
                "Connection closed by authenticating user root 203.0.113.5 port 50027 [preauth]", "preauth-disconnect",
                "203.0.113.5", "root"
            ),
            (
                "Connection closed by invalid user oracle 203.0.113.5 port 50026 [preauth]", "preauth-disconnect",
                "203.0.113.5", "oracle"
            ),
            (
                "Disconnected from invalid user oracle 203.0.113.5 port 50026 [preauth]", "preauth-disconnect",
                "203.0.113.5", "oracle"
            ),
            (
                "error: maximum authentication attempts exceeded for root from 203.0.113.5 port 50028 ssh2 [preauth]",
                "too-many-auth-failures", "203.0.113.5", "root"
            ),
            (
                "Disconnecting authenticating user root 203.0.113.5 port 50028: Too many authentication failures [preauth]",
                "too-many-auth-failures", "203.0.113.5", "root"
            ),
            (
                "Received disconnect from 203.0.113.5 port 50029:11: Bye Bye [preauth]", "preauth-disconnect",
                "203.0.113.5", nil
            ),
            (
                "Received disconnect from 203.0.113.5 port 50029:2: Too many authentication failures [preauth]",
                "too-many-auth-failures", "203.0.113.5", nil
            ),
            ("Did not receive identification string from 203.0.113.5 port 50030", "protocol-error", "203.0.113.5", nil),
            ("error: kex_exchange_identification: Connection closed by remote host", "protocol-error", nil, nil),
            (
                "Unable to negotiate with 203.0.113.5 port 50031: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]",
                "negotiation-failed", "203.0.113.5", nil
            ),
            (
                "banner exchange: Connection from 203.0.113.5 port 50032: invalid format", "protocol-error",
                "203.0.113.5",
                nil
            ),
            ("ROOT LOGIN REFUSED FROM 203.0.113.5 port 50033", "root-login-refused", "203.0.113.5", "root"),
            (
                "User bob from 203.0.113.5 not allowed because not listed in AllowUsers", "user-not-allowed",
                "203.0.113.5", "bob"
            ),
            (
                "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user=root",
                "pam-auth-failure", "203.0.113.5", "root"
            ),
            ("error: PAM: Authentication failure for root from 203.0.113.5", "pam-auth-failure", "203.0.113.5", "root"),
            ("fatal: Timeout before authentication for 203.0.113.5 port 50034", "preauth-timeout", "203.0.113.5", nil),
        ]
        for (message, action, ip, user) in cases {
            let event = Samples.normalize("Mar 20 10:00:01 bastion \(program)[2001]: \(message)")
            let context = Comment(rawValue: message)
            #expect(event.logType == "auth", context)
            #expect(event["process.name"] == program, context)
            #expect(event["event.action"] == action, context)
            #expect(event["event.outcome"] == "failure", context)
            #expect(event["event.category"] == "authentication", context)
            #expect(event["source.ip"] == ip, context)
            #expect(event["user.name"] == user, context)
        }
        let accepted = Samples.normalize(
            "Mar 20 10:00:02 bastion \(program)[2002]: Accepted publickey for alice from 198.51.100.7 port 50100 ssh2: ED25519 SHA256:xyz"
        )
        #expect(accepted["event.action"] == "accepted-publickey")
        #expect(accepted["event.outcome"] == "success")
        #expect(accepted["process.name"] == program)
        #expect(accepted["source.ip"] == "198.51.100.7")
    }

    /// OpenSSH 9.8's PerSourcePenalties: the listener drops a penalised address.
    @Test func penaltyDrop() {
        let event = Samples.normalize(
            "Mar 20 10:00:03 bastion sshd[900]: drop connection #0 from [203.0.113.5]:50041 on [192.0.2.1]:22 penalty: failed authentication"
        )
        #expect(event["event.action"] == "penalty-drop")
        #expect(event["event.outcome"] == "failure")
        #expect(event["source.ip"] == "203.0.113.5")
        #expect(event["source.port"] == "50041")
        #expect(event["event.reason"] == "failed authentication")
    }
}
