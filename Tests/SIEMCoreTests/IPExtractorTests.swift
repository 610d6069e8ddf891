import Testing

@testable import SIEMCore

@Suite struct IPExtractorTests {
    @Test func findsIPv4InText() {
        let ips = IPExtractor.extract(from: "Failed password for invalid user admin from 10.0.0.5 port 53422 ssh2")
        #expect(ips == ["10.0.0.5"])
    }

    @Test func exactAddressesOnly() {
        #expect(IPExtractor.extract(from: "from 10.0.0.50 to 10.0.0.5.") == ["10.0.0.50", "10.0.0.5"])
        #expect(IPExtractor.extract(from: "version 1.2.3 and 256.1.1.1 and 1.2.3.4.5x") == [])
        #expect(IPExtractor.extract(from: "host-v1.2.3.4x") == [])
    }

    @Test func addressGluedToPortOrKey() {
        #expect(IPExtractor.extract(from: "SRC=198.51.100.7 DST=192.0.2.10:443") == ["198.51.100.7", "192.0.2.10"])
        #expect(IPExtractor.extract(from: "client @0x7f 192.0.2.1#5353 (example.com)") == ["192.0.2.1"])
    }

    @Test func ipv6CanonicalAndMapped() {
        let ips = IPExtractor.extract(from: "from 2001:DB8:0:0:0:0:0:1 and [fe80::1]:22 and ::ffff:10.1.2.3")
        #expect(ips == ["2001:db8::1", "fe80::1", "::ffff:10.1.2.3", "10.1.2.3"])
    }

    @Test func macAddressesAndTimesAreNotAddresses() {
        #expect(IPExtractor.extract(from: "MAC=00:11:22:33:44:55:66:77 at 12:34:56 on deadbeef") == [])
    }

    @Test func canonicalForms() {
        #expect(IPAddress.canonical("010.000.000.005") == "10.0.0.5")
        #expect(IPAddress.canonical("2001:0db8::0001") == "2001:db8::1")
        #expect(IPAddress.canonical("example.com") == nil)
        #expect(IPAddress.canonical("1.2.3") == nil)
    }

    @Test func eventIPsComeFromMessageAndFieldsInOrder() {
        let event = Event(
            ts: .now, receivedAt: .now, source: "api", host: "h",
            message: "login from 10.0.0.5",
            fields: ["b": .string("peer 192.0.2.9"), "a": .array([.string("10.0.0.5"), .string("2001:db8::7")])])
        #expect(event.extractedIPs() == ["10.0.0.5", "2001:db8::7", "192.0.2.9"])
    }
}
