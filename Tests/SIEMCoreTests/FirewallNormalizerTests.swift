import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

@Suite struct FirewallNormalizerTests {
    @Test func ufwLines() {
        let block = Samples.normalize(
            "Mar 14 00:04:06 web01 kernel: [10409.460496] [UFW BLOCK] IN=eth0 OUT= MAC=00:00:5e:00:53:10:00:00:5e:00:53:01:08:00 SRC=198.51.100.195 DST=192.0.2.10 LEN=40 TOS=0x00 PREC=0x00 TTL=245 ID=52084 PROTO=TCP SPT=63648 DPT=5555 WINDOW=65535 RES=0x00 SYN URGP=0 "
        )
        #expect(block.logType == "firewall")
        #expect(block["event.action"] == "block")
        #expect(block["event.type"] == "denied")
        #expect(block["rule.name"] == "UFW BLOCK")
        #expect(block["source.ip"] == "198.51.100.195")
        #expect(block["destination.ip"] == "192.0.2.10")
        #expect(block["source.port"] == "63648")
        #expect(block["destination.port"] == "5555")
        #expect(block["network.transport"] == "tcp")
        #expect(block["source.mac"] == "00:00:5e:00:53:01")
        #expect(block["observer.ingress.interface.name"] == "eth0")

        let igmp = Samples.normalize(
            "Mar 14 00:07:12 web01 kernel: [10596.159223] [UFW BLOCK] IN=eth0 OUT= MAC=01:00:5e:00:00:01:00:00:5e:00:53:01:08:00 SRC=192.0.2.1 DST=224.0.0.1 LEN=36 TOS=0x00 PREC=0xC0 TTL=1 ID=0 DF PROTO=2 "
        )
        #expect(igmp["network.transport"] == "igmp")

        let out = Samples.normalize(
            "Mar 14 00:20:37 web01 kernel: [11401.330914] [UFW ALLOW] IN= OUT=eth0 SRC=192.0.2.10 DST=192.0.2.53 LEN=88 TOS=0x00 PREC=0x00 TTL=64 ID=57191 DF PROTO=UDP SPT=39224 DPT=53 LEN=68 "
        )
        #expect(out["event.action"] == "allow")
        #expect(out["observer.egress.interface.name"] == "eth0")
        #expect(out["observer.ingress.interface.name"] == nil)
    }

    @Test func iptablesPrefixesAndQuotedICMPPacket() {
        let icmp = Samples.normalize(
            "Jan  8 03:37:09 DENY: IN=eth0 OUT= MAC=90:10:28:5f:62:24:90:10:18:5a:89:2a:08:00 SRC=192.168.2.71 DST=192.168.2.83 LEN=88 TOS=0x00 PREC=0x00 TTL=118 ID=21684 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.168.2.83 DST=192.168.173.191 LEN=60 TOS=0x00 PREC=0x00 TTL=54 ID=0 DF PROTO=UDP SPT=21458 DPT=62936 LEN=40 ]"
        )
        #expect(icmp["event.action"] == "block")
        #expect(icmp["source.ip"] == "192.168.2.71")
        #expect(icmp["destination.ip"] == "192.168.2.83")
        #expect(icmp["network.transport"] == "icmp")
        #expect(icmp["destination.port"] == nil)

        let edge = Samples.normalize(
            "<6>2021-03-12T14:10:18Z Hostname kernel: [wan-lan-default-D]IN=eth0 OUT= MAC=90:10:20:76:8d:20:90:10:65:29:b6:2a:08:00 SRC=67.43.156.15 DST=10.4.0.5 LEN=52 TOS=0x00 PREC=0x00 TTL=63 ID=0 DF PROTO=TCP SPT=38842 DPT=443 WINDOW=2853 RES=0x00 ACK URGP=0"
        )
        #expect(edge["rule.name"] == "wan-lan-default-D")
        #expect(edge["event.action"] == "block")
        #expect(edge.ts == Date(timeIntervalSince1970: 1_615_558_218))
    }

    @Test func ufwMatchesGroundTruth() throws {
        let events = try Samples.events("synthetic/ufw.log")
        let truth = try Samples.expected("ufw.log")
        let byAction = truth["by_action"] as? [String: Int] ?? [:]
        let byProto = truth["by_proto"] as? [String: Int] ?? [:]
        #expect(events.filter { $0["event.action"] == "block" }.count == byAction["BLOCK"])
        #expect(events.filter { $0["event.action"] == "allow" }.count == byAction["ALLOW"])
        for (proto, count) in byProto {
            #expect(events.filter { $0["network.transport"] == proto }.count == count, "proto \(proto)")
        }
        let ports = coverage(
            events, of: { $0.message.contains("PROTO=TCP") || $0.message.contains("PROTO=UDP") },
            keys: ["source.ip", "destination.ip", "source.port", "destination.port", "event.action"])
        #expect(ports.covered == ports.total, "missed: \(ports.missed)")
    }

    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func iptablesScanlogdAndPortsentryCoverage() throws {
        for file in [
            "firewall_iptables/elastic-integrations_iptables_test-iptables-raw.log",
            "firewall_iptables/fail2ban_scanlogd.log", "firewall_iptables/fail2ban_portsentry.log",
        ] {
            let events = try Samples.events(file, logType: "firewall")
            let result = coverage(events, of: { _ in true }, keys: ["source.ip", "event.action"])
            #expect(result.covered == result.total, "\(file) missed: \(result.missed)")
        }
    }
}
