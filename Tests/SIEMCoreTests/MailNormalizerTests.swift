import Foundation
import Testing

@testable import SIEMCore

@Suite struct MailNormalizerTests {
    @Test func postfixSASLFailures() {
        let login = Samples.normalize(
            "Mar 14 09:00:01 mail01 postfix/smtpd[71000]: warning: unknown[198.51.100.210]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"
        )
        #expect(login.logType == "mail")
        #expect(login["event.action"] == "smtp-auth-failed")
        #expect(login["event.category"] == "authentication")
        #expect(login["event.outcome"] == "failure")
        #expect(login["source.ip"] == "198.51.100.210")
        #expect(login["source.domain"] == nil)
        #expect(login["authentication.method"] == "LOGIN")
        #expect(login["event.reason"] == "UGFzc3dvcmQ6")
        #expect(login["user.name"] == nil)

        let plain = Samples.normalize(
            "Mar 14 09:00:02 mail01 postfix/submission/smtpd[2201]: warning: host.example.net[203.0.113.9]: SASL PLAIN authentication failed: authentication failure, sasl_username=alice@example.com"
        )
        #expect(plain["event.action"] == "smtp-auth-failed")
        #expect(plain["user.name"] == "alice@example.com")
        #expect(plain["source.domain"] == "host.example.net")
        #expect(plain["event.reason"] == "authentication failure")
        #expect(plain["authentication.method"] == "PLAIN")

        let cram = Samples.normalize(
            "Mar 14 09:00:03 mail01 postfix/smtps/smtpd[2202]: warning: unknown[2001:db8::99]:40123: SASL CRAM-MD5 authentication failed: authentication failure"
        )
        #expect(cram["source.ip"] == "2001:db8::99")
        #expect(cram["source.port"] == "40123")
        #expect(cram["authentication.method"] == "CRAM-MD5")
    }

    @Test func postfixSessions() {
        let success = Samples.normalize(
            "Mar 14 09:01:00 mail01 postfix/submission/smtpd[2203]: 4F3A21C0A2: client=laptop.example.com[192.0.2.44], sasl_method=PLAIN, sasl_username=carol@example.com"
        )
        #expect(success["event.action"] == "smtp-auth-success")
        #expect(success["event.outcome"] == "success")
        #expect(success["user.name"] == "carol@example.com")
        #expect(success["source.ip"] == "192.0.2.44")
        #expect(success["authentication.method"] == "PLAIN")

        let reject = Samples.normalize(
            "Mar 14 09:02:00 mail01 postfix/smtpd[2204]: NOQUEUE: reject: RCPT from unknown[203.0.113.8]: 554 5.7.1 <x@example.org>: Relay access denied; from=<spam@example.net> to=<x@example.org> proto=ESMTP helo=<example.net>"
        )
        #expect(reject["event.action"] == "smtp-reject")
        #expect(reject["event.category"] == "email")
        #expect(reject["event.outcome"] == "failure")
        #expect(reject["source.ip"] == "203.0.113.8")
        #expect(reject["event.reason"] == "554 5.7.1 <x@example.org>: Relay access denied")
        #expect(reject["email.from.address"] == "spam@example.net")
        #expect(reject["email.to.address"] == "x@example.org")

        let connect = Samples.normalize(
            "Mar 14 09:03:00 mail01 postfix/smtpd[2205]: connect from mx1.example.org[192.0.2.87]")
        #expect(connect["event.action"] == "smtp-connect")
        #expect(connect["source.domain"] == "mx1.example.org")
        let lost = Samples.normalize(
            "Mar 14 09:03:01 mail01 postfix/smtpd[2205]: lost connection after AUTH from unknown[198.51.100.210]")
        #expect(lost["event.action"] == "smtp-lost-connection")
        #expect(lost["event.reason"] == "lost connection after AUTH")
        // Other postfix lines keep their header and nothing else.
        let queue = Samples.normalize("Mar 14 09:03:02 mail01 postfix/qmgr[900]: 4F3A21C0A2: removed")
        #expect(queue["event.dataset"] == "syslog")
    }

    @Test func dovecotLogins() {
        let failed = Samples.normalize(
            "Mar 14 10:15:01 mail01 dovecot: imap-login: Disconnected (auth failed, 3 attempts in 12 secs): user=<bob@example.com>, method=PLAIN, rip=198.51.100.210, lip=192.0.2.25, TLS, session=<k3YzQpQ5YOjAxmPS>"
        )
        #expect(failed.logType == "mail")
        #expect(failed["event.action"] == "imap-auth-failed")
        #expect(failed["event.category"] == "authentication")
        #expect(failed["event.outcome"] == "failure")
        #expect(failed["event.reason"] == "auth failed, 3 attempts in 12 secs")
        #expect(failed["user.name"] == "bob@example.com")
        #expect(failed["authentication.method"] == "PLAIN")
        #expect(failed["source.ip"] == "198.51.100.210")
        #expect(failed["destination.ip"] == "192.0.2.25")

        let pop = Samples.normalize(
            "Mar 14 10:16:01 mail01 dovecot[812]: pop3-login: Aborted login (auth failed, 1 attempts in 2 secs): user=<alice>, method=PLAIN, rip=2001:db8::77, lip=2001:db8::25, rport=50122, lport=995, session=<x>"
        )
        #expect(pop["event.action"] == "pop3-auth-failed")
        #expect(pop["source.ip"] == "2001:db8::77")
        #expect(pop["source.port"] == "50122")
        #expect(pop["destination.port"] == "995")

        let newer = Samples.normalize(
            "Mar 14 10:16:02 mail01 dovecot: imap-login: Login aborted: Connection closed (auth failed, 1 attempts in 4 secs) (auth_failed): user=<bob>, method=PLAIN, rip=192.0.2.61, lip=192.0.2.25, TLS, session=<y>"
        )
        #expect(newer["event.action"] == "imap-auth-failed")
        #expect(newer["source.ip"] == "192.0.2.61")

        let ok = Samples.normalize(
            "Mar 14 10:17:01 mail01 dovecot: imap-login: Login: user=<carol@example.com>, method=PLAIN, rip=192.0.2.44, lip=192.0.2.25, mpid=2412, TLS, session=<z>"
        )
        #expect(ok["event.action"] == "imap-auth-success")
        #expect(ok["event.outcome"] == "success")
        #expect(ok["user.name"] == "carol@example.com")

        let unknown = Samples.normalize(
            "Mar 14 10:18:01 mail01 dovecot: auth: passwd-file(mallory,198.51.100.210,<Bx1>): unknown user")
        #expect(unknown["event.action"] == "mail-auth-failed")
        #expect(unknown["event.reason"] == "unknown user")
        #expect(unknown["user.name"] == "mallory")
        #expect(unknown["source.ip"] == "198.51.100.210")

        let pam = Samples.normalize(
            "Mar 14 10:18:02 mail01 dovecot: auth-worker(4321): pam(bob,198.51.100.210,<Bx2>): pam_authenticate() failed: Authentication failure (Password mismatch?)"
        )
        #expect(pam["event.action"] == "mail-auth-failed")
        #expect(pam["user.name"] == "bob")
    }

    @Test func detectionWithoutProgramAndWithoutStealing() {
        // Bare messages, as a shipper sends them without the syslog header.
        let bare = Samples.normalize(
            "warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: authentication failure")
        #expect(bare["event.dataset"] == "mail")
        #expect(bare["source.ip"] == "192.0.2.1")
        let bareDovecot = Samples.normalize(
            "imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<x>, method=PLAIN, rip=192.0.2.2, lip=192.0.2.25"
        )
        #expect(bareDovecot["event.action"] == "imap-auth-failed")
        for tag in ["mail", "postfix", "dovecot"] {
            #expect(
                Samples.normalize("imap-login: Login: user=<x>, rip=192.0.2.2", logType: tag)["event.dataset"] == "mail"
            )
        }
        // pam_unix lines of dovecot stay `auth`.
        let pamUnix = Samples.normalize(
            "Mar 14 10:19:01 mail01 dovecot: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=bob rhost=198.51.100.210  user=bob"
        )
        #expect(pamUnix["event.dataset"] == "auth")
    }

    @Test func smtpGuessingMatchesGroundTruth() throws {
        let events = try Samples.events("synthetic/syslog-rfc5424.log").filter { $0["process.name"] == "postfix/smtpd" }
        let truth = try Samples.expected("syslog-rfc5424.log")
        let attacker = (truth["attackers"] as? [String: Any])?["198.51.100.210"] as? [String: Any]
        let failures = events.filter { $0["event.action"] == "smtp-auth-failed" }
        #expect(failures.count == attacker?["sasl_failures"] as? Int)
        #expect(failures.allSatisfy { $0["source.ip"] == "198.51.100.210" && $0["event.outcome"] == "failure" })
        #expect(events.allSatisfy { $0["event.dataset"] == "mail" && $0["source.ip"] != nil })
    }
}
