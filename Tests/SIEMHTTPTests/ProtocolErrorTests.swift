import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import SIEMHTTP

/// Every refusal on a protocol's path (authentication, body limit, rate limit, a bad request) in
/// that protocol's error shape; everywhere else siemd's own.
@Suite struct ProtocolErrorTests {
    static let key = "proto-\(UUID().uuidString)"

    @Test func elasticsearchPathsRefuseInElasticsearchsShape() async throws {
        try await withSIEM(configure: {
            $0.security.apiKey = Secret(Self.key)
            $0.maxBodyBytes = 256
        }) { client, stores async throws in
            let lines = #"{"index": {"_index": "a"}}"# + "\n" + #"{"message": "x"}"# + "\n"
            func bulk(_ headers: HTTPFields, body: String = lines) async throws -> TestResponse {
                var fields = headers
                fields[.contentType] = "application/x-ndjson"
                return try await client.execute(
                    uri: "/_bulk", method: .post, headers: fields, body: ByteBuffer(string: body))
            }
            let missing = try await bulk([:])
            #expect(ElasticRoutesTests.expectElasticError(missing, .unauthorized) == "security_exception")
            #expect(missing.headers[.wwwAuthenticate] != nil)
            ElasticRoutesTests.expectElasticError(try await client.get("/"), .unauthorized)
            ElasticRoutesTests.expectElasticError(try await client.get("/_license"), .unauthorized)
            let wrong = Data("siem:\(Self.key)x".utf8).base64EncodedString()
            ElasticRoutesTests.expectElasticError(try await bulk([.authorization: "ApiKey \(wrong)"]), .unauthorized)
            ElasticRoutesTests.expectElasticError(try await bulk([.authorization: "ApiKey not-base64"]), .unauthorized)

            // Elasticsearch's API key scheme: base64 of `id:key` with the key part, or the key itself.
            let encoded = Data("my-shipper:\(Self.key)".utf8).base64EncodedString()
            for authorization in ["ApiKey \(encoded)", "ApiKey \(Self.key)", "apikey \(encoded)"] {
                let response = try await bulk([.authorization: authorization])
                #expect(response.status == .ok, "\(authorization): \(response.text)")
            }
            #expect(try await bulk([.apiKey: Self.key]).status == .ok)
            #expect(try await stores.events.counts().events == 4)

            let large = try await bulk([.apiKey: Self.key], body: String(repeating: lines, count: 10))
            #expect(ElasticRoutesTests.expectElasticError(large, .contentTooLarge) == "content_too_long_exception")
            // The dashboard's refusals stay siemd's own.
            let page = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            expectError(page, .unauthorized)
            expectError(try await client.get("/events"), .unauthorized)
        }
    }

    @Test func elasticsearchRateLimitIs429InItsShape() async throws {
        try await withSIEM(configure: {
            $0.security.rateLimit = RateLimitConfiguration(
                requestsPerSecond: 0.001, burst: 1, paths: [PathPattern("/_bulk", kind: .exact)], maxClients: 16)
        }) { client, _ async throws in
            let body = ByteBuffer(string: #"{"index": {"_index": "a"}}"# + "\n" + #"{"message": "x"}"# + "\n")
            let first = try await client.execute(uri: "/_bulk", method: .post, body: body)
            #expect(first.status == .ok)
            let limited = try await client.execute(uri: "/_bulk", method: .post, body: body)
            #expect(
                ElasticRoutesTests.expectElasticError(limited, .tooManyRequests) == "es_rejected_execution_exception")
            #expect(limited.headers[.retryAfter] != nil)
        }
    }

    @Test func hecPathsRefuseInHECsShape() async throws {
        try await withSIEM(configure: {
            $0.security.apiKey = Secret(Self.key)
            $0.maxBodyBytes = 64
        }) { client, _ async throws in
            let large = try await HECRoutesTests.post(
                client, "/services/collector/event", String(repeating: #"{"event": "x"}"#, count: 10),
                headers: [.authorization: "Splunk \(Self.key)"])
            HECRoutesTests.expectReply(large, .contentTooLarge, code: 413)
            #expect(large.json["error"] == nil)
        }
    }

    @Test func otlpPathsRefuseAsGoogleRPCStatus() async throws {
        try await withSIEM(configure: {
            $0.security.apiKey = Secret(Self.key)
            $0.maxBodyBytes = 64
        }) { client, _ async throws in
            let json = try await client.execute(
                uri: "/v1/logs", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{}"))
            #expect(json.status == .unauthorized)
            #expect(json.headers[.contentType] == "application/json")
            #expect(json.json["code"] as? Int == 16)
            #expect((json.json["message"] as? String)?.isEmpty == false)

            let protobuf = try await client.execute(
                uri: "/v1/logs", method: .post, headers: [.contentType: "application/x-protobuf"],
                body: ByteBuffer(bytes: [0x0A, 0x00]))
            #expect(protobuf.status == .unauthorized)
            #expect(protobuf.headers[.contentType] == "application/x-protobuf")
            let bytes = Array(protobuf.body.readableBytesView)
            // google.rpc.Status: field 1 (varint) = 16, field 2 (length-delimited) = the message.
            #expect(bytes.prefix(3) == [0x08, 16, 0x12])
            #expect(bytes.count > 4 && Int(bytes[3]) == bytes.count - 4)

            let large = try await client.execute(
                uri: "/v1/logs", method: .post,
                headers: [.contentType: "application/x-protobuf", .apiKey: Self.key],
                body: ByteBuffer(repeating: 0x0A, count: 100))
            #expect(large.status == .contentTooLarge)
            #expect(Array(large.body.readableBytesView).prefix(2) == [0x08, 8])
        }
    }

    @Test func dialectIsChosenByPath() {
        #expect(ErrorDialect(path: "/_bulk") == .elasticsearch)
        #expect(ErrorDialect(path: "/logs-2026/_bulk") == .elasticsearch)
        #expect(ErrorDialect(path: "//_license") == .elasticsearch)
        #expect(ErrorDialect(path: "/", accept: nil) == .elasticsearch)
        #expect(ErrorDialect(path: "/", accept: "*/*") == .elasticsearch)
        #expect(ErrorDialect(path: "/", accept: "text/html,*/*;q=0.8") == .siem)
        #expect(ErrorDialect(path: "/services/collector/event") == .splunk)
        #expect(ErrorDialect(path: "/services/other") == .siem)
        #expect(ErrorDialect(path: "/v1/logs", contentType: "application/x-protobuf") == .otlp(protobuf: true))
        #expect(ErrorDialect(path: "/v1/logs", contentType: "application/json") == .otlp(protobuf: false))
        #expect(ErrorDialect(path: "/ingest") == .siem)
        #expect(ErrorDialect(path: "/events") == .siem)
        #expect(ErrorDialect(path: "/assets/__main__") == .siem)
        #expect(ErrorDialect(path: "/mdr/_x") == .siem)
        #expect(ErrorDialect(path: "/logs/_doc/1") == .elasticsearch)
    }
}
