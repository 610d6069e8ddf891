import Foundation
import Testing

@testable import SIEMCore

/// Web error, mail, filterlog and SSO lines cut at every byte, and stuffed with markers, are
/// normalized without a crash and keep their text.
@Suite struct NewFormatsHostileInputTests {
    static let lines = [
        "[Sat Jul 20 22:11:44.147674 2013] [authz_owner:error] [pid 17540:tid 1] [client [2001:db8::1]:51548] AH01637: Authorization of user eve to access /p failed, reason: x",
        #"2014/04/03 22:20:40 [error] 30708#0: *3 user "test": password mismatch, client: 127.0.0.1, server: test, request: "GET / HTTP/1.1", host: "h"": was not found in "/etc/p", client: 192.0.2.2, server: , request: "GET / HTTP/1.1", host: "h""#,
        "Mar 14 10:16:01 mail01 dovecot: pop3-login: Aborted login (auth failed, 1 attempts in 2 secs): user=<alice>, method=PLAIN, rip=2001:db8::77, lip=2001:db8::25",
        "Mar 14 09:00:03 mail01 postfix/smtpd[2202]: warning: unknown[2001:db8::99]:40123: SASL CRAM-MD5 authentication failed: x, sasl_username=bob",
        "Mar 14 13:37:00 fw01 filterlog[65112]: 72,,,1000006002,igb1,match,pass,out,6,0x00,0x00000,64,tcp,6,40,2001:db8::10,2001:db8:1::20,51514,443,0,S,2,,64800,,",
        #"<84>1 2026-03-14T17:20:00.700+01:00 sso.example.com authsvc web-4 LOGIN_FAIL [login@32473 user="a@example.com" src="203.0.113.150" result="unknown_user"] Login failed"#,
    ]

    @Test func everyPrefix() {
        for line in Self.lines {
            let bytes = Array(line.utf8)
            for end in 0...bytes.count {
                let cut = String(decoding: bytes[..<end], as: UTF8.self)
                let event = Samples.normalize(cut)
                #expect(event.message == cut)
            }
        }
    }

    @Test func stuffedLinesStayCheap() {
        let stuffed = String(repeating: #", client: 10.0.0.1, server: x, request: "a"#, count: 1400)
        let line =
            "2024/03/14 10:00:00 [error] 1#1: *9 open() \"/x\(stuffed)\" failed (2: No such file or directory), client: 192.0.2.1, server: s"
        let started = Date()
        let event = Samples.normalize(line)
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(event["event.dataset"] == "web_error")
        #expect(event["source.ip"] == "192.0.2.1")
        #expect(event.normalized["log.flags"] == .array([.string("client_ambiguous")]))
        let brackets = Samples.normalize("[error] " + String(repeating: "[client 1.2.3.4] ", count: 5000))
        #expect(brackets["source.ip"] == "1.2.3.4")
    }
}
