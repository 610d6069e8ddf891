import Foundation
import Testing

@testable import SIEMCore

@Suite struct ApplicationLoginNormalizerTests {
    @Test func ssoLoginFromStructuredData() {
        let failure = Samples.normalize(
            #"<84>1 2026-03-14T17:20:00.700+01:00 sso.example.com authsvc web-4 LOGIN_FAIL [login@32473 user="admin@example.com" src="203.0.113.150" result="unknown_user" method="password"][origin ip="10.0.4.10" software="authsvc" swVersion="3.4.1"] Login failed for admin@example.com: unknown user"#
        )
        #expect(failure.logType == "app_login")
        #expect(failure["event.category"] == "authentication")
        #expect(failure["event.action"] == "login-unknown-user")
        #expect(failure["event.outcome"] == "failure")
        #expect(failure["event.reason"] == "unknown_user")
        #expect(failure["user.name"] == "admin@example.com")
        #expect(failure["user.email"] == "admin@example.com")
        #expect(failure["source.ip"] == "203.0.113.150")
        #expect(failure["authentication.method"] == "password")
        #expect(failure["host.ip"] == "10.0.4.10")
        #expect(failure["service.name"] == "authsvc")
        #expect(failure["service.version"] == "3.4.1")
        #expect(failure["log.syslog.msgid"] == "LOGIN_FAIL")
        #expect(failure["host.hostname"] == "sso.example.com")
        #expect(failure.ts == Date(timeIntervalSince1970: 1_773_505_200.7))

        let success = Samples.normalize(
            #"<86>1 2026-03-14T09:02:11Z sso.example.com authsvc web-3 LOGIN_OK [login@32473 user="alice@example.com" src="192.0.2.20" result="success" method="password+totp"] Login succeeded for alice@example.com"#
        )
        #expect(success["event.action"] == "login-success")
        #expect(success["event.outcome"] == "success")
        #expect(success["event.reason"] == nil)
        #expect(success["authentication.method"] == "password+totp")

        let wrong = Samples.normalize(
            #"<84>1 2026-03-14T09:02:11Z sso.example.com authsvc web-3 LOGIN_FAIL [login@32473 user="bob" src="2001:db8::5" result="failure" method="password"] Login failed for bob: invalid password"#
        )
        #expect(wrong["event.action"] == "login-failure")
        #expect(wrong["event.reason"] == nil)
        #expect(wrong["user.email"] == nil)
        #expect(wrong["source.ip"] == "2001:db8::5")

        let mfa = Samples.normalize(
            #"<84>1 2026-03-14T17:24:03.796+01:00 sso.example.com authsvc web-4 MFA_FAIL [login@32473 user="erin@example.com" src="203.0.113.150" result="mfa_failed" method="password+totp"] Second factor rejected for erin@example.com"#
        )
        #expect(mfa["event.action"] == "mfa-failure")
        #expect(mfa["event.outcome"] == "failure")
        #expect(mfa["event.reason"] == "mfa_failed")
    }

    @Test func otherStructuredDataIsNoLogin() {
        // A result without a user, and a user without a result.
        let backup = Samples.normalize(
            #"<14>1 2026-03-14T01:00:00Z ws-blr1.example.com backup 4120 JOB [job@32473 name="nightly" result="ok"] Backup job completed"#
        )
        #expect(backup["event.dataset"] == "syslog")
        let command = Samples.normalize(
            #"<14>1 2026-03-14T01:00:00Z ws-blr1.example.com agentsvc 4120 CMD [cmd@32473 line="x" user="CORP\\svc"] Done"#
        )
        #expect(command["event.dataset"] == "syslog")
        // sshd keeps its own normalizer even when its line carries a login element.
        let sshd = Samples.normalize(
            #"<38>1 2026-03-14T02:16:33Z app01 sshd 30305 - [login@32473 user="x" result="failure"] Failed password for root from 203.0.113.45 port 33945 ssh2"#
        )
        #expect(sshd["event.dataset"] == "auth")
        #expect(sshd["user.name"] == "root")
        // Named explicitly, a line without a login element falls back to detection.
        #expect(
            Samples.normalize("Mar 14 10:00:00 h sshd[1]: Invalid user x from 192.0.2.1", logType: "sso")[
                "event.dataset"] == "auth")
    }

    @Test func credentialStuffingMatchesGroundTruth() throws {
        let events = try Samples.events("synthetic/syslog-rfc5424.log").filter { $0["process.name"] == "authsvc" }
        let truth = try Samples.expected("syslog-rfc5424.log")
        #expect(events.count == (truth["kinds"] as? [String: Int])?["authsvc"])
        let covered = coverage(
            events, of: { _ in true },
            keys: ["event.action", "event.outcome", "user.name", "source.ip", "authentication.method"])
        #expect(covered.covered == covered.total, "missed: \(covered.missed)")
        #expect(events.allSatisfy { $0["event.dataset"] == "app_login" && $0["event.category"] == "authentication" })

        let attacker = (truth["attackers"] as? [String: Any])?["203.0.113.150"] as? [String: Any]
        let attempts = events.filter { $0["source.ip"] == "203.0.113.150" }
        #expect(attempts.count == attacker?["attempts"] as? Int)
        #expect(Set(attempts.compactMap { $0["user.name"] }).count == attacker?["distinct_users"] as? Int)
        let byResult = attacker?["by_result"] as? [String: Int] ?? [:]
        #expect(attempts.filter { $0["event.action"] == "login-failure" }.count == byResult["failure"])
        #expect(attempts.filter { $0["event.action"] == "login-unknown-user" }.count == byResult["unknown_user"])
        #expect(attempts.filter { $0["event.action"] == "mfa-failure" }.count == byResult["mfa_failed"])
        #expect(attempts.allSatisfy { $0["event.outcome"] == "failure" })
    }
}
