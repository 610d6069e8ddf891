import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

@Suite struct DNSNormalizerTests {
    @Test func bindQueryLog() {
        let event = Samples.normalize(
            "14-Mar-2026 00:06:00.901 queries: info: client @0x7f1c2c9b1790 10.0.0.40#54494 (ntp.example.net): query: ntp.example.net IN AAAA +E(0) (10.0.0.53)"
        )
        #expect(event.logType == "dns")
        #expect(event["event.action"] == "query")
        #expect(event["source.ip"] == "10.0.0.40")
        #expect(event["client.ip"] == "10.0.0.40")
        #expect(event["source.port"] == "54494")
        #expect(event["dns.question.name"] == "ntp.example.net")
        #expect(event["dns.question.type"] == "AAAA")
        #expect(event["dns.question.class"] == "IN")
        #expect(event["destination.ip"] == "10.0.0.53")
        #expect(event["network.transport"] == "udp")
        #expect(abs(event.ts.timeIntervalSince1970 - 1_773_446_760.901) < 0.0005)

        let axfr = Samples.normalize(
            "14-Mar-2026 13:38:04.877 queries: info: client @0x7f5e2c649040 198.51.100.23#39817 (example.com): query: example.com IN AXFR -T (192.0.2.53)"
        )
        #expect(axfr["dns.question.type"] == "AXFR")
        #expect(axfr["network.transport"] == "tcp")
    }

    @Test func infobloxAndDeniedQueries() {
        let infoblox = Samples.normalize(
            "<30>Mar 11 23:51:31 infoblox.localdomain named[17742]: 07-Apr-2022 08:08:10.043 client 192.168.0.1#57398 UDP: query: non-exist.foo.com IN A response: NXDOMAIN +ED"
        )
        #expect(infoblox["dns.question.name"] == "non-exist.foo.com")
        #expect(infoblox["dns.response_code"] == "NXDOMAIN")
        #expect(infoblox["event.outcome"] == "failure")
        #expect(infoblox["host.hostname"] == "infoblox.localdomain")

        let denied = Samples.normalize(
            "Jul 24 14:17:13 raid5 named[3935]: client 148.160.29.6#33081: query (cache) 'geo-mueller.de/NS/IN' denied")
        #expect(denied["event.action"] == "query-denied")
        #expect(denied["dns.question.name"] == "geo-mueller.de")
        #expect(denied["dns.question.type"] == "NS")
        #expect(denied["source.ip"] == "148.160.29.6")

        let failed = Samples.normalize(
            "<30>Mar  9 23:59:59 infoblox.localdomain named[17742]: client @0x7f1dd4114af0 192.168.0.1#59735 (config.nos-avg.cz): query failed (REFUSED) for config.nos-avg.cz/IN/TXT at query.c:10288"
        )
        #expect(failed["event.action"] == "query-failed")
        #expect(failed["dns.response_code"] == "REFUSED")
        #expect(failed["dns.question.type"] == "TXT")
    }

    @Test func unboundQueries() {
        let event = Samples.normalize(
            "Mar 14 10:00:00 resolver unbound[812:0]: info: 192.0.2.9 Update.BadActor.example. A IN")
        #expect(event.logType == "dns")
        #expect(event["source.ip"] == "192.0.2.9")
        #expect(event["dns.question.name"] == "update.badactor.example")
        #expect(event["dns.question.type"] == "A")
    }

    @Test func queryLogMatchesGroundTruth() throws {
        let events = try Samples.events("synthetic/named-queries.log")
        let kinds = try Samples.kinds("named-queries.log")
        for (kind, count) in kinds where kind.hasPrefix("query_") {
            let type = String(kind.dropFirst("query_".count))
            #expect(events.filter { $0["dns.question.type"] == type }.count == count, "type \(type)")
        }
        let result = coverage(
            events, of: { _ in true }, keys: ["dns.question.name", "dns.question.type", "source.ip", "destination.ip"])
        #expect(result.covered == result.total, "missed: \(result.missed)")
    }

    @Test(
        .enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)),
        arguments: ["dns_bind/fail2ban_named-refused.log", "dns_bind/elastic-integrations_infoblox_nios_test-dns.log"]
    )
    func queryLineCoverage(file: String) throws {
        let events = try Samples.events(file)
        let result = coverage(
            events,
            of: { $0.message.contains("client ") && ($0.message.contains("query") || $0.message.contains("transfer")) },
            keys: ["source.ip", "dns.question.name", "event.action"])
        #expect(result.total > 0)
        #expect(result.covered == result.total, "missed: \(result.missed)")
    }
}
