import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SIEMCore
import SIEMEngine
import SIEMStore
import Testing

@testable import SIEMHTTP

/// Feeds fetched from a real HTTP server on loopback, in each format, through the API.
@Suite struct ThreatIntelFeedTests {
    /// The rule ids of the alerts an ingest of `message` raised.
    static func alertRules(_ client: any TestClientProtocol, _ message: String) async throws -> Set<String> {
        // A host of its own per call: repeats of one IOC on one host fold into one alert.
        let host = "web-\(UUID().uuidString.prefix(8))"
        let ingest = try await client.post("/ingest", #"{"message": "\#(message)", "host": "\#(host)"}"#)
        let rules = (ingest.json["alerts"] as? [[String: Any]] ?? []).compactMap { $0["rule_id"] as? String }
        return Set(rules.filter { $0.hasPrefix("ti_") })
    }

    static func addFeed(
        _ client: any TestClientProtocol, _ body: String, user: String = "alice"
    ) async throws -> [String: Any] {
        let response = try await client.execute(
            uri: "/ti/feeds", method: .post,
            headers: [.contentType: "application/json", HTTPField.Name("x-siem-user")!: user],
            body: ByteBuffer(string: body))
        #expect(response.status == .created, "\(response.text)")
        return response.json
    }

    static func refresh(_ client: any TestClientProtocol, _ id: Int) async throws -> [String: Any] {
        let response = try await client.execute(uri: "/ti/feeds/\(id)/refresh", method: .post)
        #expect(response.status == .ok, "\(response.text)")
        return response.json
    }

    static func result(_ feed: [String: Any]) -> [String: Int] {
        (feed["last_result"] as? [String: Any] ?? [:]).filter { $0.key != "not_modified" }.compactMapValues {
            $0 as? Int
        }
    }

    @Test func listFeedRefreshesWithETagAndADroppedIndicatorStopsMatching() async throws {
        let server = FeedServer()
        await server.set(
            "/blocklist.txt", .init(body: "# blocklist\n198.51.100.7\n203.0.113.9\nevil.example\n", etag: "\"v1\""))
        try await server.serve { port in
            try await withSIEM { client, _ in
                let feed = try await Self.addFeed(
                    client, #"{"url": "http://127.0.0.1:\#(port)/blocklist.txt", "name": "blocklist"}"#)
                let id = try #require(feed["id"] as? Int)
                #expect(feed["ioc_count"] as? Int == 3)
                #expect(feed["origin"] as? String == "api")
                #expect(feed["created_by"] as? String == "alice")
                #expect(feed["last_error"] is NSNull)
                #expect(Self.result(feed)["added"] == 3)
                #expect(
                    try await Self.alertRules(client, "connection to 203.0.113.9 and evil.example") == [
                        "ti_ip", "ti_domain",
                    ])
                let stored = try await client.get("/ti/iocs?source=blocklist")
                #expect(stored.items.count == 3)

                // Unchanged: the server answers 304 to the ETag, and nothing changes.
                let same = try await Self.refresh(client, id)
                #expect((same["last_result"] as? [String: Any])?["not_modified"] as? Bool == true)
                #expect(same["ioc_count"] as? Int == 3)
                let conditional = await server.requests(to: "/blocklist.txt").last
                #expect(conditional?.headers["if-none-match"] == "\"v1\"")

                // The feed drops 203.0.113.9 (it had a hit, so it is kept as expired) and 198.51.100.7.
                await server.set("/blocklist.txt", .init(body: "evil.example\n192.0.2.44\n", etag: "\"v2\""))
                let changed = try await Self.refresh(client, id)
                #expect(
                    Self.result(changed) == [
                        "added": 1, "updated": 0, "removed": 1, "expired": 1, "rejected": 0, "skipped": 0,
                    ])
                #expect(changed["ioc_count"] as? Int == 2)
                #expect(try await Self.alertRules(client, "connection to 203.0.113.9 from 198.51.100.7").isEmpty)
                #expect(try await Self.alertRules(client, "dns evil.example 192.0.2.44") == ["ti_ip", "ti_domain"])
                let expired = try await client.get("/ti/iocs?value=203.0.113.9")
                #expect(expired.items.first?["expired"] as? Bool == true)
                #expect(try await client.get("/ti/iocs?value=198.51.100.7").items.isEmpty)

                // The API calls are audited under the caller's name.
                let audit = try await client.get("/audit?actor=alice")
                #expect(audit.items.contains { $0["action"] as? String == "POST /ti/feeds" })
                let listed = try await client.get("/ti/feeds")
                #expect(listed.items.count == 1)
                #expect(listed.items.first?["next_refresh_at"] is String)
            }
        }
    }

    @Test func csvColumnByHeaderNameAndLastModified() async throws {
        let server = FeedServer()
        let csv = """
            # first_seen_utc,dst_ip,dst_port,malware
            "2026-11-30 10:00:00","198.51.100.20","443","Dridex"
            "2026-11-30 11:00:00","198.51.100.21","8080","QakBot"
            """
        let modified = "Mon, 30 Nov 2026 12:00:00 GMT"
        await server.set("/c2.csv", .init(body: csv, contentType: "text/csv", lastModified: modified))
        try await server.serve { port in
            try await withSIEM { client, _ in
                let feed = try await Self.addFeed(
                    client,
                    #"{"url": "http://127.0.0.1:\#(port)/c2.csv", "column": "dst_ip", "type": "ip", "interval": "15m"}"#
                )
                #expect(feed["ioc_count"] as? Int == 2)
                #expect(feed["column"] as? String == "dst_ip")
                #expect(feed["interval"] as? Int == 900)
                #expect(feed["source"] as? String == "feed:127.0.0.1/c2.csv")
                let id = try #require(feed["id"] as? Int)
                let again = try await Self.refresh(client, id)
                #expect((again["last_result"] as? [String: Any])?["not_modified"] as? Bool == true)
                #expect(await server.requests(to: "/c2.csv").last?.headers["if-modified-since"] == modified)
                // Same URL and reading options: a conflict; another column is another feed.
                let duplicate = try await client.post(
                    "/ti/feeds", #"{"url": "http://127.0.0.1:\#(port)/c2.csv", "column": "dst_ip", "type": "ip"}"#)
                expectError(duplicate, .conflict)
                expectError(
                    try await client.post("/ti/feeds", #"{"url": "ftp://127.0.0.1/c2.csv"}"#), .unprocessableContent)
                expectError(
                    try await client.post("/ti/feeds", #"{"url": "http://127.0.0.1/x", "interval": "often"}"#),
                    .unprocessableContent)
                expectError(try await client.post("/ti/feeds", #"{"name": "no url"}"#), .unprocessableContent)
            }
        }
    }

    @Test func stixBundleMISPEventAndMISPFeedManifest() async throws {
        let server = FeedServer()
        let hash = String(repeating: "e3", count: 32)
        await server.set(
            "/stix.json",
            .init(
                body: """
                    {"type": "bundle", "id": "bundle--1", "objects": [
                      {"type": "indicator", "id": "indicator--1", "name": "stix C2", "pattern_type": "stix",
                       "pattern": "[ipv4-addr:value = '198.51.100.30'] OR [domain-name:value = 'stix.example']"}]}
                    """, contentType: "application/json"))
        await server.set(
            "/misp-event.json",
            .init(
                body: """
                    {"Event": {"uuid": "11111111-1111-4111-8111-111111111111", "info": "misp event", "Attribute": [
                      {"type": "ip-dst", "value": "198.51.100.31", "to_ids": true},
                      {"type": "filename|sha256", "value": "drop.exe|\(hash)", "to_ids": true},
                      {"type": "link", "value": "https://blog.example/report", "to_ids": false}]}}
                    """, contentType: "application/json"))
        let first = "22222222-2222-4222-8222-222222222222"
        let second = "33333333-3333-4333-8333-333333333333"
        await server.set(
            "/misp/manifest.json",
            .init(
                body: """
                    {"\(first)": {"info": "first", "timestamp": "1764000000"},
                     "\(second)": {"info": "second", "timestamp": "1764100000"}}
                    """, contentType: "application/json", etag: "\"m1\""))
        for (uuid, ip) in [(first, "198.51.100.32"), (second, "198.51.100.33")] {
            await server.set(
                "/misp/\(uuid).json",
                .init(
                    body:
                        #"{"Event": {"uuid": "\#(uuid)", "info": "feed event", "Attribute": [{"type": "ip-src", "value": "\#(ip)", "to_ids": true}]}}"#,
                    contentType: "application/json"))
        }
        try await server.serve { port in
            try await withSIEM { client, _ in
                let stix = try await Self.addFeed(client, #"{"url": "http://127.0.0.1:\#(port)/stix.json"}"#)
                #expect(stix["ioc_count"] as? Int == 2)
                let event = try await Self.addFeed(client, #"{"url": "http://127.0.0.1:\#(port)/misp-event.json"}"#)
                #expect(event["ioc_count"] as? Int == 2)
                #expect(Self.result(event)["skipped"] == 1)
                let manifest = try await Self.addFeed(
                    client, #"{"url": "http://127.0.0.1:\#(port)/misp/manifest.json", "format": "misp"}"#)
                #expect(manifest["ioc_count"] as? Int == 2, "\(manifest)")
                #expect(await server.requests(to: "/misp/\(first).json").count == 1)
                let rules = try await Self.alertRules(
                    client, "198.51.100.30 stix.example 198.51.100.31 \(hash) 198.51.100.33")
                #expect(rules == ["ti_ip", "ti_domain", "ti_sha256"])
                let note = try await client.get("/ti/iocs?value=198.51.100.31").items.first?["note"] as? String
                #expect(note == "misp event")
                // The manifest is unchanged: its event files are not fetched again.
                let id = try #require(manifest["id"] as? Int)
                _ = try await Self.refresh(client, id)
                #expect(await server.requests(to: "/misp/\(first).json").count == 1)
            }
        }
    }

    @Test func taxiiCollectionPagesThenAddedAfterRefreshes() async throws {
        let server = FeedServer()
        let objects = "/taxii2/api1/collections/c2-feed/objects/"
        @Sendable func indicator(_ id: Int, _ pattern: String, revoked: Bool = false) -> String {
            #"{"type": "indicator", "spec_version": "2.1", "id": "indicator--\#(id)", "pattern_type": "stix", "revoked": \#(revoked), "pattern": "\#(pattern)"}"#
        }
        await server.set(
            objects,
            .init(
                body:
                    #"{"more": true, "next": "page-2", "objects": [\#(indicator(1, "[ipv4-addr:value = '198.51.100.40']"))]}"#,
                contentType: "application/taxii+json;version=2.1",
                headers: ["x-taxii-date-added-last": "2026-12-01T10:00:00.000Z"]))
        await server.set(
            objects, next: "page-2",
            .init(
                body: #"{"more": false, "objects": [\#(indicator(2, "[domain-name:value = 'taxii.example']"))]}"#,
                contentType: "application/taxii+json;version=2.1",
                headers: ["x-taxii-date-added-last": "2026-12-01T11:00:00.000Z"]))
        try await server.serve { port in
            try await withSIEM { client, _ in
                let feed = try await Self.addFeed(
                    client, #"{"url": "http://127.0.0.1:\#(port)/taxii2/api1/collections/c2-feed/"}"#)
                #expect(feed["format"] as? String == "taxii")
                #expect(feed["ioc_count"] as? Int == 2, "\(feed)")
                let pages = await server.requests(to: objects)
                #expect(pages.map { $0.query["next"] } == [nil, "page-2"])
                #expect(pages.allSatisfy { $0.headers["accept"] == "application/taxii+json;version=2.1" })
                #expect(try await Self.alertRules(client, "198.51.100.40 taxii.example") == ["ti_ip", "ti_domain"])

                // Next refresh asks only for what was added since; a revoked indicator goes.
                await server.set(
                    objects,
                    .init(
                        body: """
                            {"more": false, "objects": [\(indicator(1, "[ipv4-addr:value = '198.51.100.40']", revoked: true)),
                              \(indicator(3, "[ipv4-addr:value = '198.51.100.41']"))]}
                            """,
                        contentType: "application/taxii+json;version=2.1",
                        headers: ["x-taxii-date-added-last": "2026-12-01T12:00:00.000Z"]))
                let id = try #require(feed["id"] as? Int)
                let refreshed = try await Self.refresh(client, id)
                #expect(await server.requests(to: objects).last?.query["added_after"] == "2026-12-01T11:00:00.000Z")
                #expect(Self.result(refreshed)["added"] == 1)
                #expect(Self.result(refreshed)["removed"] == 0)  // it had a hit: expired instead
                #expect(Self.result(refreshed)["expired"] == 1)
                #expect(refreshed["ioc_count"] as? Int == 2)
                #expect(
                    try await Self.alertRules(client, "198.51.100.40 198.51.100.41 taxii.example") == [
                        "ti_ip", "ti_domain",
                    ])
                let kept = try await client.get("/ti/iocs?value=198.51.100.40")
                #expect(kept.items.first?["expired"] as? Bool == true)
            }
        }
    }

    @Test func aFailingFeedKeepsItsIOCsAndSecretsAreNotShown() async throws {
        let server = FeedServer()
        await server.set("/private.txt", .init(body: "198.51.100.50\n", basicAuth: "bob:pa55word"))
        try await server.serve { port in
            try await withSIEM { client, _ in
                let url = "http://bob:pa55word@127.0.0.1:\(port)/private.txt?token=SECRET-TOKEN"
                let feed = try await Self.addFeed(client, #"{"url": "\#(url)"}"#)
                let id = try #require(feed["id"] as? Int)
                #expect(feed["ioc_count"] as? Int == 1, "\(feed)")
                #expect(feed["url"] as? String == "http://127.0.0.1:\(port)/private.txt?token=***")
                let listing = try await client.get("/ti/feeds")
                #expect(!listing.text.contains("pa55word") && !listing.text.contains("SECRET-TOKEN"))
                #expect(await server.requests(to: "/private.txt").first?.query["token"] == "SECRET-TOKEN")

                await server.set("/private.txt", .init(body: "oops", status: 500))
                let failed = try await Self.refresh(client, id)
                #expect(failed["last_error"] as? String == "the server answered HTTP 500")
                #expect(failed["ioc_count"] as? Int == 1)
                #expect(failed["last_success_at"] as? String == feed["last_success_at"] as? String)
                #expect(try await Self.alertRules(client, "beacon to 198.51.100.50") == ["ti_ip"])

                // An error page served with 200 is not a feed that lists nothing.
                await server.set("/private.txt", .init(body: "<html><body>Maintenance</body></html>"))
                let html = try await Self.refresh(client, id)
                #expect((html["last_error"] as? String)?.contains("HTML") == true)
                #expect(try await Self.alertRules(client, "beacon to 198.51.100.50") == ["ti_ip"])
                await server.set("/private.txt", .init(body: "nonsense values here\n"))
                let garbage = try await Self.refresh(client, id)
                #expect((garbage["last_error"] as? String)?.contains("nothing readable") == true)
                #expect(try await client.get("/ti/iocs?value=198.51.100.50").items.count == 1)

                // Without the credentials, the server refuses: recorded, IOCs kept.
                await server.set("/private.txt", .init(body: "198.51.100.50\n", basicAuth: "bob:pa55word"))
                let anonymous = try await Self.addFeed(
                    client, #"{"url": "http://127.0.0.1:\#(port)/private.txt", "type": "ip"}"#)
                #expect(anonymous["last_error"] as? String == "the server answered HTTP 401")
                expectError(try await client.get("/ti/feeds/999"), .notFound)
                let deleted = try await client.execute(uri: "/ti/feeds/\(id)", method: .delete)
                #expect(deleted.status == .ok)
                #expect(deleted.json["iocs_expired"] as? Int == 1)
                #expect(try await Self.alertRules(client, "beacon to 198.51.100.50").isEmpty)
            }
        }
    }

    @Test func redirectsAreLimitedToHTTPAndTheSizeIsCapped() async throws {
        let server = FeedServer()
        await server.set("/list.txt", .init(body: "198.51.100.60\n"))
        await server.set("/moved", .init(body: "", status: 302, headers: ["location": "/list.txt"]))
        await server.set("/to-ftp", .init(body: "", status: 302, headers: ["location": "ftp://127.0.0.1/list.txt"]))
        await server.set("/loop", .init(body: "", status: 302, headers: ["location": "/loop"]))
        await server.set("/big.txt", .init(body: String(repeating: "198.51.100.61\n", count: 200)))
        try await server.serve { port in
            try await withSIEM(configure: { $0.threatIntelFeeds.fetch.maxBytes = 1024 }) { client, _ in
                let base = "http://127.0.0.1:\(port)"
                let moved = try await Self.addFeed(client, #"{"url": "\#(base)/moved"}"#)
                #expect(moved["ioc_count"] as? Int == 1, "\(moved)")
                let ftp = try await Self.addFeed(client, #"{"url": "\#(base)/to-ftp"}"#)
                #expect((ftp["last_error"] as? String)?.contains("refused") == true, "\(ftp)")
                let loop = try await Self.addFeed(client, #"{"url": "\#(base)/loop"}"#)
                #expect(loop["last_error"] as? String == "more than 5 redirects")
                let big = try await Self.addFeed(client, #"{"url": "\#(base)/big.txt"}"#)
                #expect((big["last_error"] as? String)?.contains("larger than 1024 bytes") == true, "\(big)")
                #expect(big["ioc_count"] as? Int == 0)
            }
        }
    }

    @Test func importByURLOnceWithoutAFeed() async throws {
        let server = FeedServer()
        await server.set("/list.txt", .init(body: "198.51.100.70\nonce.example\n"))
        try await server.serve { port in
            try await withSIEM { client, _ in
                let imported = try await client.post(
                    "/ti/iocs/import?source=oneshot&severity=low", #"{"url": "http://127.0.0.1:\#(port)/list.txt"}"#)
                #expect(imported.status == .ok, "\(imported.text)")
                #expect(imported.json["imported"] as? Int == 2)
                #expect(try await client.get("/ti/feeds").items.isEmpty)
                let iocs = try await client.get("/ti/iocs?source=oneshot")
                #expect(iocs.items.count == 2)
                #expect(iocs.items.allSatisfy { $0["severity"] as? String == "low" })
                let missing = try await client.post(
                    "/ti/iocs/import", #"{"url": "http://127.0.0.1:\#(port)/missing.txt"}"#)
                expectError(missing, .unprocessableContent)
                #expect((missing.json["detail"] as? String)?.contains("HTTP 404") == true)
                // Column and format options apply to bodies too.
                let csv = try await client.post(
                    "/ti/iocs/import?column=2&source=col", "when,what\n2026,col.example\n", contentType: "text/csv")
                #expect(csv.json["imported"] as? Int == 1, "\(csv.text)")
                expectError(try await client.post("/ti/iocs/import?format=yaml", "x.example"), .unprocessableContent)
            }
        }
    }

    @Test func configuredFeedsAreFetchedAtStartAndRefreshedOnSchedule() async throws {
        let server = FeedServer()
        await server.set("/scheduled.txt", .init(body: "198.51.100.80\n198.51.100.81\n", etag: "\"s1\""))
        try await server.serve { port in
            let parsed = try ServerConfiguration(environment: [
                "SIEM_TI_FEEDS": "http://127.0.0.1:\(port)/scheduled.txt#type=ip&interval=1s&name=scheduled",
                "SIEM_TI_REFRESH_INTERVAL": "2h",
            ])
            #expect(parsed.threatIntelFeeds.defaultInterval == 7200)
            try await withSIEM(configure: { $0.threatIntelFeeds = parsed.threatIntelFeeds }) { client, _ in
                let fetched = await eventually(tries: 1000) {
                    (try? await client.get("/ti/feeds").items.first?["ioc_count"] as? Int) == 2
                }
                #expect(fetched)
                let feed = try #require(try await client.get("/ti/feeds").items.first)
                #expect(feed["origin"] as? String == "config")
                #expect(feed["created_by"] as? String == "siemd:config")
                #expect(feed["interval"] as? Int == 1)
                #expect(try await Self.alertRules(client, "198.51.100.81") == ["ti_ip"])

                await server.set("/scheduled.txt", .init(body: "198.51.100.80\n", etag: "\"s2\""))
                let dropped = await eventually(tries: 1000) {
                    (try? await client.get("/ti/feeds").items.first?["ioc_count"] as? Int) == 1
                }
                #expect(dropped)
                #expect(try await Self.alertRules(client, "198.51.100.81").isEmpty)
                #expect(try await Self.alertRules(client, "198.51.100.80") == ["ti_ip"])
                #expect(
                    await server.requests(to: "/scheduled.txt").contains { $0.headers["if-none-match"] == "\"s1\"" })

                let scheduler = try await client.get("/audit?actor=siemd:ti-feeds")
                #expect(scheduler.items.contains { $0["action"] as? String == "POST /ti/feeds/{id}/refresh" })
                let configuration = try await client.get("/audit?actor=siemd:config")
                #expect(configuration.items.first?["action"] as? String == "POST /ti/feeds")
                let id = try #require(feed["id"] as? Int)
                expectError(try await client.execute(uri: "/ti/feeds/\(id)", method: .delete), .conflict)
            }
        }
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration(environment: ["SIEM_TI_FEEDS": "https://x.example/a.txt#colour=2"])
        }
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration(environment: ["SIEM_TI_REFRESH_INTERVAL": "sometimes"])
        }
    }
}
