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

    /// Query names are the client's: a name holding `client 6.6.6.6#53` or ` from 6.6.6.6` does not
    /// become the client.
    @Test func queryNamesCannotMoveTheClient() {
        let dnsmasq = Samples.normalize(
            "Mar 14 10:00:00 gw dnsmasq[812]: query[A] client 6.6.6.6#53 from 192.168.1.5")
        #expect(dnsmasq.logType == "dns")
        #expect(dnsmasq["event.action"] == "query")
        #expect(dnsmasq["source.ip"] == "192.168.1.5")
        #expect(dnsmasq["dns.question.name"] == "client 6.6.6.6#53")
        #expect(dnsmasq["dns.question.type"] == "A")

        let from = Samples.normalize(
            "Mar 14 10:00:00 gw dnsmasq[812]: query[TXT] evil.example from 6.6.6.6 from 192.168.1.5")
        #expect(from["source.ip"] == "192.168.1.5")
        #expect(from["dns.question.name"] == "evil.example from 6.6.6.6")

        let extra = Samples.normalize(
            "Mar 14 10:00:00 gw dnsmasq[812]: 17 192.168.1.5/53211 query[AAAA] www.example.com from 192.168.1.5")
        #expect(extra["source.ip"] == "192.168.1.5")
        #expect(extra["dns.question.name"] == "www.example.com")

        let parenthesised = Samples.normalize(
            "Mar 14 10:00:00 ns1 named[1]: client @0x7f1 192.0.2.10#5353 (a client 6.6.6.6#53): query: evil.example IN A + (192.0.2.53)"
        )
        #expect(parenthesised["source.ip"] == "192.0.2.10")
        #expect(parenthesised["dns.question.name"] == "evil.example")
        #expect(parenthesised["destination.ip"] == "192.0.2.53")

        let escaped = Samples.normalize(
            #"Mar 14 10:00:00 ns1 named[1]: client @0x7f1 192.0.2.10#5353 (x\032from\0326.6.6.6#53): query: x\032from\0326.6.6.6#53 IN A -T (192.0.2.53)"#
        )
        #expect(escaped["source.ip"] == "192.0.2.10")
        #expect(escaped["network.transport"] == "tcp")

        let notAClientLine = Samples.normalize(
            "Mar 14 10:00:00 ns1 named[1]: zone example.com/IN: refresh: unexpected rcode (REFUSED) from master 192.0.2.1#53 (source client 6.6.6.6#53)"
        )
        #expect(notAClientLine["source.ip"] != "6.6.6.6")

        let transfer = Samples.normalize(
            "Mar 14 10:00:00 ns1 named[1]: transfer of 'a.example/IN' from 192.0.2.1#53: Transfer completed: client 6.6.6.6#53"
        )
        #expect(transfer["source.ip"] == "192.0.2.1")
        #expect(transfer["dns.question.name"] == "a.example")

        let answers = Samples.normalize(
            #"Mar 14 10:00:00 ns1 named[1]: 14-Mar-2026 10:00:00.000 client 192.0.2.10#5353: UDP: query: t.example IN TXT response: NOERROR + t.example. 60 IN TXT "TCP: query: x IN A""#
        )
        #expect(answers["network.transport"] == "udp")
        #expect(answers["dns.question.name"] == "t.example")
        #expect(answers["dns.response_code"] == "NOERROR")

        let mapped = Samples.normalize(
            "Mar 14 10:00:00 ns1 named[1]: client ::ffff:192.0.2.10#5353 (a.example): query: a.example IN A + (192.0.2.53)"
        )
        #expect(mapped["source.ip"] == "192.0.2.10")
    }
}
