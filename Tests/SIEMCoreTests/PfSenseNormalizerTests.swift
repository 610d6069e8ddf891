import Foundation
import Testing

@testable import SIEMCore

/// Lines in the layout of Netgate's "Raw Filter Log Format" (pfSense 2.2 and later).
@Suite struct PfSenseNormalizerTests {
    @Test func ipv4TCPBlockedInbound() {
        let event = Samples.normalize(
            "Mar 14 13:36:40 fw01 filterlog[65112]: 5,,,1000000103,igb0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,192.0.2.5,198.51.100.7,54321,22,0,S,1960648610,,64240,,mss;sackOK;TS;nop;wscale"
        )
        #expect(event.logType == "firewall")
        #expect(event["event.category"] == "network")
        #expect(event["event.action"] == "block")
        #expect(event["event.type"] == "denied")
        #expect(event["event.reason"] == nil)
        #expect(event["rule.id"] == "1000000103")
        #expect(event["observer.ingress.interface.name"] == "igb0")
        #expect(event["network.direction"] == "ingress")
        #expect(event["network.type"] == "ipv4")
        #expect(event["network.transport"] == "tcp")
        #expect(event["network.iana_number"] == "6")
        #expect(event["network.bytes"] == "60")
        #expect(event["source.ip"] == "192.0.2.5")
        #expect(event["destination.ip"] == "198.51.100.7")
        #expect(event["source.port"] == "54321")
        #expect(event["destination.port"] == "22")
        #expect(event["host.hostname"] == "fw01")
        #expect(event["process.name"] == "filterlog")
    }

    @Test func ipv4UDPAndICMPAndPassOutbound() {
        let udp = Samples.normalize(
            "Mar 14 13:36:41 filterlog[65112]: 5,,,1000000103,igb0,match,block,in,4,0x0,,50,65518,0,none,17,udp,76,203.0.113.165,192.0.2.31,56760,5060,48"
        )
        #expect(udp["network.transport"] == "udp")
        #expect(udp["source.port"] == "56760")
        #expect(udp["destination.port"] == "5060")

        let icmp = Samples.normalize(
            "Mar 14 13:36:42 fw01 filterlog[65112]: 5,,,1000000103,vtnet1,match,block,in,4,0x0,,64,48961,0,DF,1,icmp,84,192.0.2.1,192.0.2.201,request,5113,6664"
        )
        #expect(icmp["network.transport"] == "icmp")
        #expect(icmp["icmp.type"] == "request")
        #expect(icmp["source.port"] == nil)

        let pass = Samples.normalize(
            "Mar 14 13:36:43 fw01 filterlog[65112]: 73,,,1770001466,igb0,match,pass,out,4,0x0,,108,41954,0,DF,6,tcp,60,192.0.2.10,203.0.113.80,35429,443,0,S,801701781,,64240,,mss;sackOK;TS;nop;wscale"
        )
        #expect(pass["event.action"] == "pass")
        #expect(pass["event.type"] == "allowed")
        #expect(pass["network.direction"] == "egress")
        #expect(pass["observer.egress.interface.name"] == "igb0")
        #expect(pass["observer.ingress.interface.name"] == nil)
        #expect(pass["rule.id"] == "1770001466")
    }

    @Test func ipv6Layouts() {
        let tcp = Samples.normalize(
            "Mar 14 13:37:00 fw01 filterlog[65112]: 72,,,1000006002,igb1,match,pass,out,6,0x00,0x00000,64,tcp,6,40,2001:db8::10,2001:db8:1::20,51514,443,0,S,2487614040,,64800,,mss;sackOK;TS;nop;wscale"
        )
        #expect(tcp["network.type"] == "ipv6")
        #expect(tcp["network.transport"] == "tcp")
        #expect(tcp["source.ip"] == "2001:db8::10")
        #expect(tcp["destination.ip"] == "2001:db8:1::20")
        #expect(tcp["source.port"] == "51514")
        #expect(tcp["destination.port"] == "443")
        #expect(tcp["network.bytes"] == "40")

        let udp = Samples.normalize(
            "Mar 14 13:37:01 fw01 filterlog[65112]: 75,,,1000006003,igb1,match,block,in,6,0x00,0x9a4b1,64,udp,17,51,2001:db8::66,2001:db8::53,46214,53,51"
        )
        #expect(udp["network.transport"] == "udp")
        #expect(udp["destination.port"] == "53")
        #expect(udp["event.action"] == "block")

        let icmp = Samples.normalize(
            "Mar 14 13:37:02 fw01 filterlog[65112]: 8,,,1000000106,igb0,state-mismatch,block,in,6,0x00,0x00000,255,ipv6-icmp,58,32,2001:db8::1,2001:db8::2,"
        )
        #expect(icmp["network.transport"] == "ipv6-icmp")
        #expect(icmp["event.reason"] == "state-mismatch")
        #expect(icmp["source.ip"] == "2001:db8::1")
    }

    @Test func detectionAndTags() {
        let bare =
            "5,,,1000000103,igb0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,192.0.2.5,198.51.100.7,54321,22,0,S,1,,64240,,"
        #expect(Samples.normalize(bare)["event.dataset"] == "firewall")
        for tag in ["pfsense", "opnsense", "filterlog", "firewall"] {
            #expect(Samples.normalize(bare, logType: tag)["source.ip"] == "192.0.2.5", "\(tag)")
        }
        // CSV that is not a filterlog record is left alone.
        #expect(Samples.normalize("1,2,3,4,5,6,7,8,9,10")["event.dataset"] == nil)
    }

    @Test func sweepMatchesGroundTruth() throws {
        let events = try Samples.events("synthetic/syslog-rfc5424.log").filter { $0["process.name"] == "filterlog" }
        let truth = try Samples.expected("syslog-rfc5424.log")
        let kinds = truth["kinds"] as? [String: Int] ?? [:]
        let other = truth["other_security_events"] as? [String: Int] ?? [:]
        let sweep = (truth["attackers"] as? [String: Any])?["198.51.100.23"] as? [String: Any]
        #expect(events.count == kinds["filterlog"])
        #expect(events.allSatisfy { $0["event.dataset"] == "firewall" && $0["destination.port"] != nil })
        #expect(events.filter { $0["event.action"] == "block" }.count == other["firewall_blocks_total"])
        let fromScanner = events.filter { $0["source.ip"] == "198.51.100.23" && $0["event.action"] == "block" }
        #expect(fromScanner.count == sweep?["blocked"] as? Int)
        #expect(Set(fromScanner.compactMap { $0["destination.port"] }) == ["22", "3389"])
    }
}
