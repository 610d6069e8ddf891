import Foundation
import Testing

@testable import SIEMCore

@Suite struct SyslogHeaderTests {
    @Test func rfc5424WithEscapedStructuredDataAndOffset() {
        let line =
            #"<133>1 2026-03-14T10:37:29.626030+05:30 ws-blr1.example.com backup 4120 JOB [job@32473 name="nightly \"full\" backup" target="\\\\fs01\\backup$" result="ok"][timeQuality tzKnown="1"] Backup job completed"#
        let event = Samples.normalize(line)
        #expect(event["log.syslog.priority"] == "133")
        #expect(event["log.syslog.facility.name"] == "local0")
        #expect(event["log.syslog.severity.name"] == "notice")
        #expect(event["host.hostname"] == "ws-blr1.example.com")
        #expect(event["process.name"] == "backup")
        #expect(event["process.pid"] == "4120")
        #expect(event["log.syslog.msgid"] == "JOB")
        #expect(event["log.syslog.structured_data.job@32473.name"] == #"nightly "full" backup"#)
        #expect(event["log.syslog.structured_data.job@32473.target"] == #"\\fs01\backup$"#)
        #expect(event["log.syslog.structured_data.timeQuality.tzKnown"] == "1")
        // 10:37:29.626030 at +05:30 is 05:07:29.626030 UTC.
        #expect(abs(event.ts.timeIntervalSince1970 - 1_773_464_849.626030) < 0.001)
        #expect(event.message == line)
    }

    @Test func rfc5424ByteOrderMarkAndNilFields() {
        let event = Samples.normalize(
            "<34>1 2026-03-14T02:14:15.003Z mymachine.example.com su - ID47 - \u{FEFF}'su root' failed")
        #expect(event["process.name"] == "su")
        #expect(event["process.pid"] == nil)
        #expect(event["log.syslog.facility.name"] == "auth")
        #expect(event["log.syslog.severity.name"] == "critical")
        #expect(abs(event.ts.timeIntervalSince1970 - 1_773_454_455.003) < 0.0005)
    }

    @Test func rfc3164WithAndWithoutPriorityAndRelayAddress() {
        let withPRI = Samples.normalize(
            "<30>Mar 27 08:32:59 infoblox.localdomain 10.0.0.1 dhcpd[7024]: DHCPDISCOVER from 00:50:56:83:6c:a0 via eth3"
        )
        #expect(withPRI["host.hostname"] == "infoblox.localdomain")
        #expect(withPRI["process.name"] == "dhcpd")
        #expect(withPRI["process.pid"] == "7024")
        #expect(withPRI["log.syslog.facility.name"] == "daemon")
        let plain = Samples.normalize("Mar  5 21:44:43 srv scanlogd: 192.0.2.123 to 192.0.2.1 ports 80, 81, 83")
        #expect(plain["host.hostname"] == "srv")
        #expect(plain["process.name"] == "scanlogd")
        #expect(plain["log.syslog.priority"] == nil)
        #expect(plain.ts == Date(timeIntervalSince1970: 1_772_747_083))  // 2026-03-05T21:44:43Z
    }

    @Test func rfc3164YearNeverPutsEventsInTheFutureAcrossNewYear() throws {
        // Received just after midnight on 1 January 2027: a 31 December line is from 2026.
        let newYear = Date(timeIntervalSince1970: 1_798_761_605)  // 2027-01-01T00:00:05Z
        let december = Samples.normalize(
            "Dec 31 23:59:58 host sshd[1]: Connection closed by 192.0.2.1 port 22", receivedAt: newYear)
        #expect(december.ts == Date(timeIntervalSince1970: 1_798_761_598))
        // Received on 31 December, a line stamped 1 January (the sender's clock is a little ahead).
        let eve = Date(timeIntervalSince1970: 1_798_761_599)  // 2026-12-31T23:59:59Z
        let january = Samples.normalize(
            "Jan  1 00:00:01 host sshd[1]: Connection closed by 192.0.2.1 port 22", receivedAt: eve)
        #expect(january.ts == Date(timeIntervalSince1970: 1_798_761_601))
        // A March line received in January is last year's.
        let march = Samples.normalize(
            "Mar 14 10:00:00 host sshd[1]: Connection closed by 192.0.2.1 port 22", receivedAt: newYear)
        #expect(march.ts < newYear)
        #expect(march.ts > newYear.addingTimeInterval(-366 * 86400))
    }

    @Test func localZoneIsConfigurable() throws {
        let paris = NormalizerSet(timeZone: try #require(TimeZone(identifier: "Europe/Paris")))
        // 14 March 2026: Paris is at +01:00, so 10:00 local is 09:00 UTC.
        let winter = Samples.normalize(
            "Mar 14 10:00:00 host sshd[1]: Connection closed by 192.0.2.1 port 22", set: paris)
        #expect(winter.ts == Date(timeIntervalSince1970: 1_773_478_800))
        // 1 July 2025: daylight time, +02:00.
        let summer = Samples.normalize(
            "Jul  1 10:00:00 host sshd[1]: Connection closed by 192.0.2.1 port 22",
            receivedAt: Date(timeIntervalSince1970: 1_751_400_000), set: paris)
        #expect(summer.ts == Date(timeIntervalSince1970: 1_751_356_800))
    }

    @Test func clientTimeWinsOverTheLogTime() {
        let sent = Date(timeIntervalSince1970: 1_700_000_000)
        var event = Event(
            ts: sent, receivedAt: Samples.receivedAt, source: "api", host: "h",
            message: "Mar 14 10:00:00 host sshd[1]: Connection closed by 192.0.2.1 port 22")
        NormalizerSet().normalize(&event)
        #expect(event.ts == sent)
        #expect(event["source.ip"] == "192.0.2.1")
    }

    /// Every RFC 5424 sample line yields its time, priority and (where not `-`) app name; the app
    /// names add up to the generator's counts.
    @Test func rfc5424SampleCoverage() throws {
        let events = try Samples.events("synthetic/syslog-rfc5424.log")
        let kinds = try Samples.kinds("syslog-rfc5424.log")
        #expect(events.count == kinds.values.reduce(0, +))
        let result = coverage(events, of: { _ in true }, keys: ["log.syslog.priority", "log.syslog.severity.name"]) {
            $0.ts != Samples.receivedAt
        }
        #expect(result.covered == result.total, "missed: \(result.missed)")
        for (app, count) in kinds where app != "-" {
            #expect(events.filter { $0["process.name"] == app }.count == count, "app \(app)")
        }
        #expect(events.filter { $0["process.name"] == nil }.count == kinds["-"])
        // Lines are in instant order across zones: the parsed times must be too.
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.ts <= $1.ts })
    }
}
