import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

/// Values a client chooses (user names, identification strings, PAM user names) must never move
/// the source address or the user a line is attributed to.
@Suite struct AuthInjectionTests {
    struct Case: CustomTestStringConvertible {
        let message: String
        let action: String
        let ip: String?
        let port: String?
        let user: String?
        var testDescription: String { message }
    }

    static let sshdCases: [Case] = [
        Case(
            message:
                "Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2",
            action: "failed-password", ip: "127.0.0.1", port: "58946", user: "test from 10.10.1.2 port 55555 ssh2"),
        Case(
            message:
                "Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2",
            action: "failed-password", ip: "127.0.0.1", port: "58946", user: "test"),
        Case(
            message: "Failed password for invalid user from 10.10.1.1 from 127.0.0.1 port 58946 ssh2",
            action: "failed-password", ip: "127.0.0.1", port: "58946", user: "from 10.10.1.1"),
        Case(
            message:
                "Failed publickey for invalid user x from 6.6.6.6 port 1 ssh2: y from 192.0.2.9 port 22 ssh2: RSA SHA256:abc",
            action: "failed-publickey", ip: "192.0.2.9", port: "22", user: "x from 6.6.6.6 port 1 ssh2: y"),
        Case(
            message: "Accepted password for alice from 192.0.2.7 port 40000 ssh2", action: "accepted-password",
            ip: "192.0.2.7", port: "40000", user: "alice"),
        Case(
            message: "Invalid user a from 6.6.6.6 port 1 from 192.0.2.9 port 22", action: "invalid-user",
            ip: "192.0.2.9",
            port: "22", user: "a from 6.6.6.6 port 1"),
        Case(
            message: "Invalid user  from 192.0.2.68 port 34916", action: "invalid-user", ip: "192.0.2.68",
            port: "34916",
            user: nil),
        Case(
            message:
                "error: maximum authentication attempts exceeded for invalid user z from 6.6.6.6 port 1 ssh2 from 192.0.2.9 port 22 ssh2 [preauth]",
            action: "too-many-auth-failures", ip: "192.0.2.9", port: "22", user: "z from 6.6.6.6 port 1 ssh2"),
        Case(
            message: "Connection closed by invalid user q 6.6.6.6 port 1 192.0.2.9 port 22 [preauth]",
            action: "preauth-disconnect", ip: "192.0.2.9", port: "22", user: "q 6.6.6.6 port 1"),
        Case(
            message: "Disconnected from invalid user q 6.6.6.6 port 1 192.0.2.9 port 22 [preauth]",
            action: "preauth-disconnect", ip: "192.0.2.9", port: "22", user: "q 6.6.6.6 port 1"),
        Case(
            message:
                "Disconnecting invalid user q 6.6.6.6 port 1: x 192.0.2.9 port 22: Too many authentication failures [preauth]",
            action: "too-many-auth-failures", ip: "192.0.2.9", port: "22", user: "q 6.6.6.6 port 1: x"),
        Case(
            message: "error: PAM: Authentication failure for x from 6.6.6.6 from 192.0.2.9", action: "pam-auth-failure",
            ip: "192.0.2.9", port: nil, user: "x from 6.6.6.6"),
        Case(
            message: "Bad protocol version identification 'x from 6.6.6.6 y' from 192.0.2.9 port 31778",
            action: "protocol-error", ip: "192.0.2.9", port: "31778", user: nil),
        Case(
            message:
                "Failed password for invalid user pam_unix(sshd:auth): authentication failure; rhost=6.6.6.6 user=root from 192.0.2.9 port 22 ssh2",
            action: "failed-password", ip: "192.0.2.9", port: "22",
            user: "pam_unix(sshd:auth): authentication failure; rhost=6.6.6.6 user=root"),
        Case(
            message: "Failed password for invalid user <script>x</script> from 192.0.2.9 port 22 ssh2",
            action: "failed-password", ip: "192.0.2.9", port: "22", user: "<script>x</script>"),
        Case(
            message: "ROOT LOGIN REFUSED FROM ::ffff:192.0.2.9 port 22", action: "root-login-refused", ip: "192.0.2.9",
            port: "22", user: "root"),
    ]

    @Test(arguments: sshdCases)
    func sshdReadsThePeerSshdWrote(_ item: Case) {
        let event = Samples.normalize("Mar 14 02:14:07 bastion sshd[48275]: \(item.message)")
        #expect(event.logType == "auth")
        #expect(event["event.action"] == item.action)
        #expect(event["source.ip"] == item.ip)
        #expect(event["source.port"] == item.port)
        #expect(event["user.name"] == item.user)
    }

    @Test func disconnectingWithAnOrdinaryName() {
        let event = Samples.normalize(
            "Mar 14 02:14:07 bastion sshd[1]: Disconnecting invalid user q 192.0.2.9 port 22: Too many authentication failures [preauth]"
        )
        #expect(event["event.action"] == "too-many-auth-failures")
        #expect(event["source.ip"] == "192.0.2.9")
        #expect(event["user.name"] == "q")
    }

    @Test func pamReadsOnlyItsKeyValueTail() {
        func pam(_ tail: String) -> Event {
            Samples.normalize("Mar 14 02:14:07 bastion sshd[1]: pam_unix(sshd:auth): authentication failure; \(tail)")
        }
        let plain = pam("logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.1  user=root")
        #expect(plain["event.action"] == "pam-auth-failure")
        #expect(plain["source.ip"] == "192.0.2.1")
        #expect(plain["user.name"] == "root")
        #expect(plain["process.tty.name"] == "ssh")

        let inRuser = pam("logname= uid=0 euid=0 tty=ssh ruser=test rhost=6.6.6.6 rhost=192.0.2.1")
        #expect(inRuser["source.ip"] == "192.0.2.1")
        #expect(inRuser["user.name"] == "test rhost=6.6.6.6")

        let inUser = pam("logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.2 user=test rhost=6.6.6.6")
        #expect(inUser["source.ip"] == "192.0.2.2")
        #expect(inUser["user.name"] == "test rhost=6.6.6.6")

        let ruserIsRhost = pam("logname= uid=0 euid=0 tty=ssh ruser=rhost=6.6.6.6 rhost=192.0.2.3")
        #expect(ruserIsRhost["source.ip"] == "192.0.2.3")

        let mapped = pam("logname= uid=0 euid=0 tty=ssh ruser= rhost=::ffff:192.0.2.4  user=root")
        #expect(mapped["source.ip"] == "192.0.2.4")

        // `rhost=` before the PAM message is someone else's text.
        let before = Samples.normalize(
            "Mar 14 02:14:07 bastion sshd[1]: Invalid user rhost=6.6.6.6 authentication failure; from 192.0.2.9 port 22"
        )
        #expect(before["event.action"] == "invalid-user")
        #expect(before["source.ip"] == "192.0.2.9")

        let sudo = Samples.normalize(
            "Mar 14 02:14:07 bastion sudo: pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/1 ruser=alice rhost=  user=alice"
        )
        #expect(sudo["event.action"] == "pam-auth-failure")
        #expect(sudo["user.name"] == "alice")
        #expect(sudo["process.tty.name"] == "/dev/pts/1")
        #expect(sudo["source.ip"] == nil)

        let more = Samples.normalize(
            "Mar 14 02:14:07 bastion sshd[1]: PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.5  user=root"
        )
        #expect(more["event.action"] == "pam-auth-failure")
        #expect(more["event.count"] == "2")
        #expect(more["source.ip"] == "192.0.2.5")
    }

    @Test func auditFieldsComeFromInsideMsg() {
        let event = Samples.normalize(
            #"type=USER_AUTH msg=audit(1668381071.000:373474): pid=1 uid=0 addr=6.6.6.6 msg='op=PAM:authentication grantors=? acct="a addr=6.6.6.6" exe="/usr/sbin/sshd" hostname=192.0.2.111 addr=192.0.2.111 terminal=ssh res=failed'UID="root" AUID="unset""#
        )
        #expect(event["event.action"] == "user-auth")
        #expect(event["event.outcome"] == "failure")
        #expect(event["event.reason"] == "PAM:authentication")
        #expect(event["source.ip"] == "192.0.2.111")
        #expect(event["user.name"] == "a addr=6.6.6.6")
        #expect(event["process.executable"] == "/usr/sbin/sshd")

        let hostOnly = Samples.normalize(
            #"type=USER_ERR msg=audit(1:2): pid=1 uid=0 msg='op=PAM:bad_ident acct="?" exe="/usr/sbin/sshd" hostname=192.0.2.7 addr=? terminal=ssh res=failed'"#
        )
        #expect(hostOnly["source.ip"] == "192.0.2.7")
        #expect(hostOnly["user.name"] == nil)
    }

    @Test func sudoFieldsAreReadInSudosOrder() {
        let quoted = Samples.normalize(
            "alice : TTY=pts/1 ; PWD=/tmp/a ; b ; USER=root ; COMMAND=/usr/bin/id", logType: "sudo")
        #expect(quoted["process.working_directory"] == "/tmp/a ; b")
        #expect(quoted["user.target.name"] == "root")
        #expect(quoted["process.command_line"] == "/usr/bin/id")
        #expect(quoted.normalized["log.flags"] == nil)

        let group = Samples.normalize(
            "alice : TTY=pts/1 ; PWD=/srv ; USER=www-data ; GROUP=www-data ; COMMAND=/usr/bin/true", logType: "sudo")
        #expect(group["user.target.name"] == "www-data")
        #expect(group["group.name"] == "www-data")
        #expect(group["process.command_line"] == "/usr/bin/true")

        let forged = Samples.normalize(
            "alice : TTY=pts/1 ; PWD=/tmp/x ; USER=root ; COMMAND=/bin/sh ; USER=nobody ; COMMAND=/usr/bin/id",
            logType: "sudo")
        #expect(forged.normalized["log.flags"] == .array([.string("sudo_ambiguous_fields")]))
        #expect(forged["user.name"] == "alice")
    }

    @Test func sshdShapesWithoutAProgram() {
        #expect(AuthNormalizer.looksLikeSSHD("User root from 1.2.3.4 not allowed because not listed in AllowUsers"))
        #expect(AuthNormalizer.looksLikeSSHD("Invalid user ftp from 192.0.2.1"))
        #expect(!AuthNormalizer.looksLikeSSHD("User logged in"))
    }
}
