import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import SIEMHTTP

/// `_bulk` and the probes Elasticsearch clients make, against the real router.
@Suite struct ElasticRoutesTests {

    /// Asserts Elasticsearch's error shape, status and product header; returns the error's type.
    @discardableResult
    static func expectElasticError(
        _ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation
    ) -> String? {
        #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
        #expect(response.headers[.xElasticProduct] == "Elasticsearch", sourceLocation: sourceLocation)
        let json = response.json
        let error = json["error"] as? [String: Any]
        let causes = error?["root_cause"] as? [[String: Any]]
        #expect(json["status"] as? Int == Int(status.code), "\(response.text)", sourceLocation: sourceLocation)
        #expect(causes?.count == 1, "\(response.text)", sourceLocation: sourceLocation)
        #expect(causes?.first?["type"] as? String == error?["type"] as? String, sourceLocation: sourceLocation)
        #expect((error?["reason"] as? String)?.isEmpty == false, "\(response.text)", sourceLocation: sourceLocation)
        return error?["type"] as? String
    }

    static func bulk(
        _ client: some TestClientProtocol, _ lines: [String], path: String = "/_bulk",
        method: HTTPRequest.Method = .post,
        contentType: String = "application/x-ndjson"
    ) async throws -> TestResponse {
        try await client.execute(
            uri: path, method: method, headers: [.contentType: contentType],
            body: ByteBuffer(string: lines.joined(separator: "\n") + "\n"))
    }

    /// The action object of each item (`{"index": {…}}` → its inner object) with the action name.
    static func items(_ response: TestResponse) -> [(String, [String: Any])] {
        (response.json["items"] as? [[String: [String: Any]]] ?? []).compactMap { $0.first.map { ($0.key, $0.value) } }
    }

    @Test func mixedDocumentsAreStoredOneByOneAndAnsweredInOrder() async throws {
        try await withSIEM { client, stores async throws in
            let response = try await Self.bulk(
                client,
                [
                    #"{"index": {"_index": "winlogbeat-test", "_id": "given-1"}}"#,
                    #"{"@timestamp": "2026-11-29T09:00:00Z", "host": {"name": "dc1"}, "message": "logon ok", "winlog": {"event_id": 4624}}"#,
                    #"{"index": {"_index": "winlogbeat-test", "_id": "given-2"}}"#, #"{broken"#,
                    #"{"delete": {"_index": "winlogbeat-test", "_id": "x"}}"#,
                    #"{"update": {"_index": "winlogbeat-test", "_id": "x"}}"#, #"{"doc": {}}"#,
                    #"{"create": {"_index": "winlogbeat-test"}}"#, #"{"message": "second", "host": "dc2"}"#,
                ])
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.headers[.xElasticProduct] == "Elasticsearch")
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.json["errors"] as? Bool == true)
            #expect(response.json["took"] is Int)
            let items = Self.items(response)
            #expect(items.map(\.0) == ["index", "index", "delete", "update", "create"])
            #expect(items.map { $0.1["status"] as? Int } == [201, 400, 400, 400, 201])
            let stored = try await client.get("/events?source=winlogbeat-test").items
            #expect(Set(stored.compactMap { $0["message"] as? String }) == ["logon ok", "second"])
            #expect(try await stores.events.counts().events == 2)
            // A stored item names its event; a refused one the `_id` it was sent with.
            let ids = Set(stored.compactMap { ($0["id"] as? Int).map(String.init) })
            #expect(Set([items[0].1["_id"] as? String, items[4].1["_id"] as? String].compactMap { $0 }) == ids)
            #expect(items[0].1["result"] as? String == "created")
            #expect(items[0].1["_version"] as? Int == 1)
            #expect((items[0].1["_shards"] as? [String: Int]) == ["total": 1, "successful": 1, "failed": 0])
            #expect(items[0].1["_index"] as? String == "winlogbeat-test")
            #expect(items[1].1["_id"] as? String == "given-2")
            #expect((items[1].1["error"] as? [String: Any])?["type"] as? String == "document_parsing_exception")
            #expect((items[2].1["error"] as? [String: Any])?["type"] as? String == "illegal_argument_exception")
            let logon = try #require(stored.first { $0["message"] as? String == "logon ok" })
            #expect(logon["host"] as? String == "dc1")
            #expect(logon["ts"] as? String == "2026-11-29T09:00:00.000Z")
            #expect(((logon["fields"] as? [String: Any])?["winlog"] as? [String: Any])?["event_id"] as? Int == 4624)
        }
    }

    @Test func indexComesFromTheActionElseTheURL() async throws {
        try await withSIEM { client, _ async throws in
            let response = try await Self.bulk(
                client,
                [
                    #"{"index": {}}"#, #"{"message": "url index"}"#,
                    #"{"index": {"_index": "own"}}"#, #"{"message": "own index"}"#,
                ], path: "/syslog-2026/_bulk", method: .put)
            #expect(response.json["errors"] as? Bool == false, "\(response.text)")
            #expect(Self.items(response).map { $0.1["_index"] as? String } == ["syslog-2026", "own"])
            #expect(try await client.get("/events?source=syslog-2026").items.count == 1)
            #expect(try await client.get("/events?source=own").items.count == 1)
            // Without an index anywhere, the item is refused and nothing else is.
            let none = try await Self.bulk(client, [#"{"index": {}}"#, #"{"message": "nowhere"}"#])
            #expect(none.status == .ok)
            let item = try #require(Self.items(none).first)
            #expect(item.1["status"] as? Int == 400)
            #expect((item.1["error"] as? [String: Any])?["type"] as? String == "action_request_validation_exception")
        }
    }

    @Test func unreadableBodiesAreRefusedWholeAndStoreNothing() async throws {
        try await withSIEM { client, stores async throws in
            for lines in [
                [#"{"index": {"_index": "a"}}"#, #"{"message": "would be stored"}"#, #"not an action"#, "{}"],
                [#"{"index": {"_index": "a"}}"#, #"{"message": "x"}"#, #"{"upsert": {}}"#, "{}"],
                [#"{"index": {"_index": "a"}}"#, #"{"message": "x"}"#, #"{"index": {"_index": "a"}}"#],
            ] {
                let response = try await Self.bulk(client, lines)
                #expect(Self.expectElasticError(response, .badRequest) == "illegal_argument_exception")
            }
            let empty = try await client.execute(
                uri: "/_bulk", method: .post, headers: [.contentType: "application/json"])
            #expect(Self.expectElasticError(empty, .badRequest) == "action_request_validation_exception")
            #expect(
                (empty.json["error"] as? [String: Any])?["reason"] as? String
                    == "Validation Failed: 1: no requests added;")
            #expect(try await stores.events.counts().events == 0)
        }
    }

    @Test func tooManyActionsIs413() async throws {
        try await withSIEM(configure: { $0.maxEventsPerRequest = 2 }) { client, stores async throws in
            let lines = (0..<3).flatMap { [#"{"index": {"_index": "a"}}"#, #"{"message": "m\#($0)"}"#] }
            let response = try await Self.bulk(client, lines)
            Self.expectElasticError(response, .contentTooLarge)
            #expect(try await stores.events.counts().events == 0)
        }
    }

    @Test func bulkQueryParametersAreAcceptedOrRefusedAsElasticsearchDoes() async throws {
        try await withSIEM { client, _ async throws in
            let lines = [#"{"index": {"_index": "a"}}"#, #"{"message": "x"}"#]
            let accepted = try await Self.bulk(
                client, lines, path: "/_bulk?refresh=wait_for&filter_path=errors,items.*.error&timeout=1m&pretty")
            #expect(accepted.status == .ok, "\(accepted.text)")
            let refused = try await Self.bulk(client, lines, path: "/a/_bulk?refesh=true")
            #expect(Self.expectElasticError(refused, .badRequest) == "illegal_argument_exception")
            #expect(
                (refused.json["error"] as? [String: Any])?["reason"] as? String
                    == "request [/a/_bulk] contains unrecognized parameter: [refesh]")
        }
    }

    @Test func rootIsElasticsearchInfoUnlessTheClientAsksForHTML() async throws {
        try await withSIEM { client, _ async throws in
            for accept in [nil, "*/*", "application/json", "application/vnd.elasticsearch+json; compatible-with=8"] {
                let headers: HTTPFields = accept.map { [.accept: $0] } ?? [:]
                let info = try await client.execute(uri: "/", method: .get, headers: headers)
                #expect(info.status == .ok)
                #expect(info.headers[.contentType] == "application/json", "\(accept ?? "no Accept")")
                #expect(info.headers[.xElasticProduct] == "Elasticsearch")
                #expect(info.json["tagline"] as? String == "You Know, for Search")
                #expect(info.json["cluster_name"] as? String == "swift-siem")
                let version = info.json["version"] as? [String: Any]
                #expect(version?["number"] as? String == "8.11.0")
                #expect(version?["build_flavor"] as? String == "default")
                #expect(version?["minimum_wire_compatibility_version"] as? String == "7.17.0")
            }
            let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            let page = try await client.execute(uri: "/", method: .get, headers: [.accept: browser])
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.xElasticProduct] == nil)
            #expect(page.text.contains("/assets/app.js"))
            let head = try await client.execute(uri: "/", method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.xElasticProduct] == "Elasticsearch")
            #expect(head.body.readableBytes == 0)
        }
    }

    @Test func probesAreAnsweredHarmlessly() async throws {
        try await withSIEM { client, stores async throws in
            let license = try await client.get("/_license?human=false")
            #expect(license.headers[.xElasticProduct] == "Elasticsearch")
            #expect((license.json["license"] as? [String: Any])?["type"] as? String == "basic")
            #expect((license.json["license"] as? [String: Any])?["status"] as? String == "active")
            #expect(try await client.get("/_xpack").json["features"] is [String: Any])
            #expect(try await client.get("/_cluster/health").json["status"] as? String == "green")
            let cat = try await client.execute(uri: "/_cat/health", method: .head)
            #expect(cat.status == .ok)
            #expect(try await client.get("/_cat/health").text.contains("swift-siem green"))

            let template = try await client.get("/_index_template/filebeat-8.11.0")
            let templates = template.json["index_templates"] as? [[String: Any]]
            #expect(templates?.first?["name"] as? String == "filebeat-8.11.0")
            #expect(try await client.execute(uri: "/_index_template/logstash", method: .head).status == .ok)
            #expect(try await client.execute(uri: "/_template/logstash", method: .head).status == .ok)
            #expect(try await client.get("/_template/old").json["old"] is [String: Any])
            #expect(try await client.get("/_component_template/c").json["component_templates"] is [Any])
            #expect(try await client.get("/_ilm/policy/filebeat").json["filebeat"] is [String: Any])
            for path in ["/_index_template/t", "/_template/t", "/_component_template/t", "/_ilm/policy/p"] {
                let put = try await client.execute(
                    uri: path, method: .put, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"index_patterns": ["t-*"]}"#))
                #expect(put.status == .ok, "\(path)")
                #expect(put.json["acknowledged"] as? Bool == true, "\(path)")
                #expect(put.headers[.xElasticProduct] == "Elasticsearch")
            }
            #expect(try await stores.events.counts().events == 0)
            // An unknown Elasticsearch API is a 404 in Elasticsearch's shape.
            Self.expectElasticError(try await client.get("/_nodes/stats"), .notFound)
        }
    }
}
