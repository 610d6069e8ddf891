import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

@Suite struct AuthNormalizerTests {
    @Test func sshdLines() {
        let failed = Samples.normalize(
            "Mar 14 02:14:07 bastion sshd[48275]: Failed password for invalid user ubuntu from 203.0.113.45 port 39109 ssh2"
        )
        #expect(failed.logType == "auth")
        #expect(failed["event.action"] == "failed-password")
        #expect(failed["event.outcome"] == "failure")
        #expect(failed["event.reason"] == "invalid user")
        #expect(failed["user.name"] == "ubuntu")
        #expect(failed["source.ip"] == "203.0.113.45")
        #expect(failed["source.port"] == "39109")
        #expect(failed["host.hostname"] == "bastion")
        #expect(failed["process.pid"] == "48275")

        let accepted = Samples.normalize(
            "Mar 14 07:45:30 bastion sshd[49067]: Accepted publickey for carol from 192.0.2.44 port 55864 ssh2: ED25519 SHA256:AHcw"
        )
        #expect(accepted["event.action"] == "accepted-publickey")
        #expect(accepted["event.outcome"] == "success")
        #expect(accepted["user.name"] == "carol")

        let ipv6 = Samples.normalize(
            "Feb 25 14:34:10 belka sshd[31603]: Failed password for invalid user ROOT from aaaa:bbbb:cccc:1234::1:1 port 50273 ssh2"
        )
        #expect(ipv6["source.ip"] == "aaaa:bbbb:cccc:1234::1:1")
        #expect(ipv6["user.name"] == "ROOT")

        let pam = Samples.normalize(
            "May 12 09:47:54 vaio sshd[16004]: (pam_unix) authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=71-13-115-12.static.mdsn.wi.charter.com  user=root"
        )
        #expect(pam["event.action"] == "pam-auth-failure")
        #expect(pam["source.domain"] == "71-13-115-12.static.mdsn.wi.charter.com")
        #expect(pam["user.name"] == "root")

        let closed = Samples.normalize(
            "Mar 14 02:14:43 bastion sshd[48397]: Connection closed by authenticating user root 203.0.113.45 port 49017 [preauth]"
        )
        #expect(closed["event.action"] == "preauth-disconnect")
        #expect(closed["event.outcome"] == "failure")
        #expect(closed["user.name"] == "root")
        #expect(closed["event.reason"] == nil)
        #expect(closed["source.port"] == "49017")
        let closedInvalid = Samples.normalize(
            "Mar 14 23:45:56 bastion sshd[50901]: Connection closed by invalid user oracle 203.0.113.161 port 38337 [preauth]"
        )
        #expect(closedInvalid["user.name"] == "oracle")
        #expect(closedInvalid["event.reason"] == "invalid user")

        let pamError = Samples.normalize(
            "Apr 29 15:53:38 Jamess-iMac.local sshd[47831]: error: PAM: Authentication error for james from 205.186.180.100 via 192.168.1.201"
        )
        #expect(pamError["event.action"] == "pam-auth-failure")
        #expect(pamError["user.name"] == "james")
        #expect(pamError["source.ip"] == "205.186.180.100")

        let leadingZeros = Samples.normalize(
            "Jun 21 16:47:48 digital-mlhhyiqscv sshd[13709]: error: PAM: Authentication failure for myhlj1374 from 192.030.0.6"
        )
        #expect(leadingZeros["source.ip"] == "192.30.0.6")
        #expect(leadingZeros["user.name"] == "myhlj1374")
    }

    @Test func auditRecords() {
        let event = Samples.normalize(
            #"type=USER_LOGIN msg=audit(1373330717.000:4068): user pid=12000 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=login acct=28756E6B6E6F776E207573657229 exe="/usr/sbin/sshd" hostname=? addr=173.242.116.187 terminal=ssh res=failed'"#
        )
        #expect(event["event.action"] == "user-login")
        #expect(event["user.name"] == "(unknown user)")
        #expect(event["source.ip"] == "173.242.116.187")
        #expect(event["event.outcome"] == "failure")
        #expect(event.ts == Date(timeIntervalSince1970: 1_373_330_717))
    }

    /// The generator's counts per kind come out of the normalized actions.
    @Test func syntheticAuthLogMatchesGroundTruth() throws {
        let events = try Samples.events("synthetic/auth.log")
        let kinds = try Samples.kinds("auth.log")
        func count(_ action: String) -> Int { events.filter { $0["event.action"] == action }.count }
        #expect(
            count("failed-password") == kinds["sshd_failed_password"]! + kinds["sshd_failed_password_invalid_user"]!)
        #expect(count("accepted-publickey") == kinds["sshd_accepted_publickey"])
        #expect(count("accepted-password") == kinds["sshd_accepted_password"])
        #expect(count("invalid-user") == kinds["sshd_invalid_user"])
        #expect(count("sudo-command") == kinds["sudo_command"])
        #expect(count("sudo-not-in-sudoers") == kinds["sudo_not_in_sudoers"])
        #expect(count("sudo-incorrect-password") == kinds["sudo_incorrect_password_attempts"])
        let failedPassword = events.filter { $0["event.action"] == "failed-password" }
        let bruteForce = failedPassword.filter { $0["source.ip"] == "203.0.113.45" }.count
        let byActor = try Samples.expected("auth.log")["failed_password_by_actor"] as? [String: Any]
        #expect(bruteForce == byActor?["brute_force"] as? Int)
    }

    /// Coverage: every line of a kind that carries the key fields yields them.
    @Test func sshdCoverageOfSyntheticLog() throws {
        try checkSSHDCoverage("synthetic/auth.log")
    }

    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func sshdCoverageOfSharedSample() throws {
        try checkSSHDCoverage("linux_auth/fail2ban_sshd.log")
    }

    func checkSSHDCoverage(_ file: String) throws {
        let events = try Samples.events(file)
        let logins = coverage(
            events,
            of: {
                $0.message.contains("Failed password for")
                    || $0.message.contains("Accepted ") && $0.message.contains(" for ")
            },
            keys: ["user.name", "event.outcome"]
        ) { $0["source.ip"] != nil || $0["source.domain"] != nil }
        #expect(logins.total > 0)
        #expect(logins.covered == logins.total, "missed: \(logins.missed)")
        let invalid = coverage(
            events, of: { $0.message.contains("Invalid user ") && $0.message.contains(" from ") },
            keys: ["source.ip", "event.outcome"])
        #expect(invalid.covered == invalid.total, "missed: \(invalid.missed)")
        let pam = coverage(
            events, of: { $0.message.contains("authentication failure;") && $0.message.contains("rhost=") },
            keys: ["event.outcome"]
        ) { $0["event.action"] == "pam-auth-failure" }
        #expect(pam.covered == pam.total, "missed: \(pam.missed)")
    }

    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func pamAndAuditSampleCoverage() throws {
        let pam = try Samples.events("linux_auth/fail2ban_pam-generic.log")
        let pamResult = coverage(pam, of: { $0.message.contains("authentication failure") }, keys: ["event.outcome"]) {
            $0["source.ip"] != nil || $0["source.domain"] != nil || $0.message.contains("rhost= ")
                || $0.message.hasSuffix("rhost=")
        }
        #expect(pamResult.covered == pamResult.total, "missed: \(pamResult.missed)")
        let audit = try Samples.events("linux_auth/fail2ban_selinux-ssh.log")
        let auditResult = coverage(audit, of: { _ in true }, keys: ["event.action", "event.outcome", "source.ip"])
        #expect(auditResult.covered == auditResult.total, "missed: \(auditResult.missed)")
    }
}

@Suite struct SudoNormalizerTests {
    @Test func sudoLines() {
        let command = Samples.normalize(
            "Mar 14 07:50:12 bastion sudo:    carol : TTY=pts/0 ; PWD=/home/carol ; USER=postgres ; COMMAND=/usr/bin/pg_dump appdb"
        )
        #expect(command.logType == "sudo")
        #expect(command["event.action"] == "sudo-command")
        #expect(command["event.outcome"] == "success")
        #expect(command["user.name"] == "carol")
        #expect(command["user.target.name"] == "postgres")
        #expect(command["process.tty.name"] == "pts/0")
        #expect(command["process.working_directory"] == "/home/carol")
        #expect(command["process.command_line"] == "/usr/bin/pg_dump appdb")

        let incorrect = Samples.normalize(
            "Mar 14 10:15:14 bastion sudo:      bob : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/bash"
        )
        #expect(incorrect["event.action"] == "sudo-incorrect-password")
        #expect(incorrect["event.outcome"] == "failure")
        #expect(incorrect["event.count"] == "3")
        #expect(incorrect["user.name"] == "bob")
        #expect(incorrect["user.target.name"] == "root")

        let denied = Samples.normalize(
            "Mar 14 11:40:05 bastion sudo:   intern : user NOT in sudoers ; TTY=pts/2 ; PWD=/home/intern ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow"
        )
        #expect(denied["event.action"] == "sudo-not-in-sudoers")
        #expect(denied["process.command_line"] == "/usr/bin/cat /etc/shadow")

        let explicit = Samples.normalize(
            "alice : TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh -c a ; b", logType: "sudo")
        #expect(explicit["process.command_line"] == "/bin/sh -c a ; b")
    }

    @Test func sudoCoverage() throws {
        let events = try Samples.events("synthetic/auth.log")
        let result = coverage(
            events, of: { $0.message.contains(" sudo: ") && $0.message.contains("COMMAND=") },
            keys: ["user.name", "user.target.name", "process.command_line", "event.outcome", "process.tty.name"])
        #expect(result.total > 0)
        #expect(result.covered == result.total, "missed: \(result.missed)")
    }
}
