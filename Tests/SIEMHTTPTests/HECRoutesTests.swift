import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import SIEMHTTP

/// Splunk HTTP Event Collector routes against the real router.
@Suite struct HECRoutesTests {
    static func post(
        _ client: some TestClientProtocol, _ path: String, _ body: String, headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var fields = headers
        fields[.contentType] = fields[.contentType] ?? "application/json"
        return try await client.execute(uri: path, method: .post, headers: fields, body: ByteBuffer(string: body))
    }

    /// Asserts HEC's `{"text", "code"}` shape with `status` and `code`.
    static func expectReply(
        _ response: TestResponse, _ status: HTTPResponse.Status, code: Int, text: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
        #expect(response.json["code"] as? Int == code, "\(response.text)", sourceLocation: sourceLocation)
        #expect((response.json["text"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        if let text { #expect(response.json["text"] as? String == text, sourceLocation: sourceLocation) }
    }

    @Test func concatenatedEventsAreStoredWithTheirMetadata() async throws {
        try await withSIEM { client, stores async throws in
            let body = """
                {"time": 1764579600.25, "host": "web1", "source": "/var/log/nginx/access.log", "sourcetype": "access_combined",\
                 "index": "web", "event": "GET /index.html 200", "fields": {"datacenter": "eu-1"}}{"event": {"action": "login",\
                 "user": "alice"}, "host": "app1"}
                {"event": "third"}
                """
            for path in ["/services/collector/event", "/services/collector", "/services/collector/event/1.0"] {
                let response = try await Self.post(client, path, body)
                Self.expectReply(response, .ok, code: 0, text: "Success")
            }
            #expect(try await stores.events.counts().events == 9)
            let web = try #require(try await client.get("/events?host=web1&limit=1").items.first)
            #expect(web["message"] as? String == "GET /index.html 200")
            #expect(web["source"] as? String == "/var/log/nginx/access.log")
            #expect(web["ts"] as? String == "2025-12-01T09:00:00.250Z")
            let fields = web["fields"] as? [String: Any]
            #expect(fields?["sourcetype"] as? String == "access_combined")
            #expect(fields?["index"] as? String == "web")
            #expect(fields?["datacenter"] as? String == "eu-1")
            let app = try #require(try await client.get("/events?host=app1&limit=1").items.first)
            #expect(app["source"] as? String == "hec")
            #expect((app["fields"] as? [String: Any])?["user"] as? String == "alice")
        }
    }

    @Test func aBrokenEventRefusesTheWholeBody() async throws {
        try await withSIEM { client, stores async throws in
            let cases: [(String, Int, Int?)] = [
                (#"{"event": "ok"}{"event": "ok"}{"host": "x"}"#, 12, 2),
                (#"{"event": "ok"}{"event": ""}"#, 13, 1),
                (#"{"event": "ok"}{"event": "ok""#, 6, 1),
                (#"{"event": "ok", "fields": "x"}"#, 15, 0),
                ("", 5, nil),
            ]
            for (body, code, number) in cases {
                let response = try await Self.post(client, "/services/collector/event", body)
                Self.expectReply(response, .badRequest, code: code)
                #expect(response.json["invalid-event-number"] as? Int == number, "\(body)")
            }
            #expect(try await stores.events.counts().events == 0)
        }
    }

    @Test func rawLinesTakeTheQueryMetadata() async throws {
        try await withSIEM { client, _ async throws in
            let response = try await Self.post(
                client, "/services/collector/raw?channel=0a1b&host=fw1&source=firewall&sourcetype=pan:traffic",
                "first line\n\nsecond line\n", headers: [.contentType: "text/plain"])
            Self.expectReply(response, .ok, code: 0)
            let events = try await client.get("/events?host=fw1").items
            #expect(Set(events.compactMap { $0["message"] as? String }) == ["first line", "second line"])
            #expect(events.allSatisfy { $0["source"] as? String == "firewall" })
            #expect(events.allSatisfy { ($0["fields"] as? [String: Any])?["sourcetype"] as? String == "pan:traffic" })
            Self.expectReply(try await Self.post(client, "/services/collector/raw", " \n"), .badRequest, code: 5)
            // An unknown query parameter is refused, in HEC's shape.
            Self.expectReply(try await Self.post(client, "/services/collector/raw?hots=x", "a"), .badRequest, code: 6)
        }
    }

    @Test func healthAndUnknownPaths() async throws {
        try await withSIEM { client, _ async throws in
            Self.expectReply(try await client.get("/services/collector/health"), .ok, code: 17, text: "HEC is healthy")
            Self.expectReply(try await client.get("/services/collector/health/1.0"), .ok, code: 17)
            Self.expectReply(try await client.get("/services/collector/nothing"), .notFound, code: 404)
        }
    }

    @Test func tokensAsSplunkSendsThem() async throws {
        let key = "hec-\(UUID().uuidString)"
        try await withSIEM(configure: { $0.security.apiKey = Secret(key) }) { client, stores async throws in
            let event = #"{"event": "hello"}"#
            Self.expectReply(
                try await Self.post(client, "/services/collector", event), .unauthorized, code: 2,
                text: "Token is required")
            for authorization in ["Splunk wrong-token", "Splunk \(key)x", "Bearer nope"] {
                Self.expectReply(
                    try await Self.post(client, "/services/collector", event, headers: [.authorization: authorization]),
                    .forbidden, code: 4, text: "Invalid token")
            }
            Self.expectReply(
                try await Self.post(client, "/services/collector/health", "", headers: [.authorization: "Splunk x"]),
                .forbidden, code: 4)
            for authorization in ["Splunk \(key)", "splunk \(key)", "Bearer \(key)"] {
                let response = try await Self.post(
                    client, "/services/collector", event, headers: [.authorization: authorization])
                Self.expectReply(response, .ok, code: 0)
            }
            #expect(try await stores.events.counts().events == 3)
        }
    }
}
