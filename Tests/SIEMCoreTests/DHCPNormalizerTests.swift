import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

@Suite struct DHCPNormalizerTests {
    @Test func dhcpdLines() {
        let request = Samples.normalize(
            "Mar 14 00:50:32 dhcp01 dhcpd[743]: DHCPREQUEST for 10.0.1.180 from 00:00:5e:00:53:32 (WS-0187) via eth0")
        #expect(request.logType == "dhcp")
        #expect(request["event.action"] == "dhcprequest")
        #expect(request["client.ip"] == "10.0.1.180")
        #expect(request["client.mac"] == "00:00:5e:00:53:32")
        #expect(request["client.domain"] == "WS-0187")
        #expect(request["observer.ingress.interface.name"] == "eth0")

        let inform = Samples.normalize(
            "Mar 14 01:11:13 dhcp01 dhcpd[743]: DHCPACK to 10.0.1.5 (00:00:5e:00:53:05) via eth0")
        #expect(inform["client.ip"] == "10.0.1.5")
        #expect(inform["client.mac"] == "00:00:5e:00:53:05")
        #expect(inform["event.outcome"] == "success")

        let exhausted = Samples.normalize(
            "Mar 14 11:20:25 dhcp01 dhcpd[743]: DHCPDISCOVER from 9a:96:30:65:a0:8f via eth1: network 10.0.3.0/24: no free leases"
        )
        #expect(exhausted["event.outcome"] == "failure")
        #expect(exhausted["client.mac"] == "9a:96:30:65:a0:8f")
        #expect(exhausted["network.name"] == "10.0.3.0/24")
        #expect(exhausted["observer.ingress.interface.name"] == "eth1")

        let relayed = Samples.normalize(
            "<30>Apr 18 05:02:05 10.50.1.227 dhcpd[2301]: DHCPREQUEST for 192.168.0.4 from 00:50:56:81:14:6c via 192.168.0.2"
        )
        #expect(relayed["network.forwarded_ip"] == "192.168.0.2")
        #expect(relayed["host.hostname"] == "10.50.1.227")
    }

    @Test func dhcpdLogMatchesGroundTruth() throws {
        let events = try Samples.events("synthetic/dhcpd.log")
        let kinds = try Samples.kinds("dhcpd.log")
        func count(_ action: String) -> Int { events.filter { $0["event.action"] == action }.count }
        #expect(count("dhcpack") == kinds["dhcpack"]! + kinds["dhcpack_inform"]!)
        #expect(count("dhcpoffer") == kinds["dhcpoffer"])
        #expect(count("dhcpnak") == kinds["dhcpnak"])
        #expect(count("dhcpinform") == kinds["dhcpinform"])
        #expect(count("dhcprelease") == kinds["dhcprelease"])
        #expect(count("dhcpdiscover") == kinds["dhcpdiscover"]! + kinds["dhcpdiscover_no_free_leases"]!)
        let noFree = events.filter { $0["event.reason"]?.contains("no free leases") ?? false }.count
        #expect(noFree == kinds["dhcpdiscover_no_free_leases"])
        let reuse = events.filter { $0["event.action"] == "reuse-lease" }
        #expect(reuse.count == kinds["reuse_lease"])
        #expect(reuse.allSatisfy { $0["client.ip"] != nil })
        let understood = events.filter { $0["event.action"] != nil }.count
        #expect(understood == events.count)
        let result = coverage(events, of: { $0.message.contains(" DHCP") }, keys: ["event.action"]) {
            $0["client.mac"] != nil || $0["client.ip"] != nil
        }
        #expect(result.covered == result.total, "missed: \(result.missed)")
    }

    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func infobloxCoverage() throws {
        let events = try Samples.events("dhcp_isc/elastic-integrations_infoblox_nios_test-dhcp.log")
        // Placeholder lines (`DHCPACK some text`) carry no address and are kept raw.
        let result = coverage(
            events, of: { $0.message.contains(": DHCP") && !$0.message.hasSuffix("some text") },
            keys: ["event.action"]
        ) { $0["client.mac"] != nil || $0["client.ip"] != nil }
        #expect(result.total > 0)
        #expect(result.covered == result.total, "missed: \(result.missed)")
        let placeholder = events.first { $0.message.hasSuffix("DHCPACK some text") }
        #expect(placeholder?["event.action"] == nil)
        #expect(placeholder?["host.hostname"] != nil)
    }
}
