import Foundation
import HummingbirdTesting
import NIOCore
import Testing

@testable import SIEMHTTP

/// The default rate-limited paths are the whole data plane: the shippers' protocols are no way
/// around the `/ingest` limit.
@Suite struct DataPlaneRateLimitTests {
    @Test func segmentPatternsMatchOneWholeSegment() throws {
        let pattern = try PathPattern(parsing: "/*/_bulk", variable: "V", plainKind: .subtree)
        #expect(pattern.kind == .segments)
        #expect(pattern.matches("/logs/_bulk"))
        #expect(!pattern.matches("/_bulk"))
        #expect(!pattern.matches("//_bulk"))
        #expect(!pattern.matches("/a/b/_bulk"))
        #expect(!pattern.matches("/logs/_bulkx"))
        #expect(!pattern.matches("/../_bulk"))
        #expect(try PathPattern(parsing: "/static/*", variable: "V").kind == .prefix)
        #expect(throws: ConfigurationError.self) { try PathPattern(parsing: "/a*/_bulk", variable: "V") }
    }

    @Test func everyIngestProtocolSharesTheDefaultLimit() async throws {
        let configuration = try ServerConfiguration(environment: [
            "SIEM_RATE_LIMIT_ENABLED": "1", "SIEM_RATE_LIMIT_RPS": "0.001", "SIEM_RATE_LIMIT_BURST": "1",
        ])
        let routes: [(String, String)] = [
            ("/_bulk", #"{"index":{"_index":"a"}}"# + "\n" + #"{"message":"x"}"# + "\n"),
            ("/logs/_bulk", #"{"index":{}}"# + "\n" + #"{"message":"x"}"# + "\n"),
            ("/services/collector/event", #"{"event":"x"}"#),
            ("/v1/logs", "{}"),
        ]
        for (path, body) in routes {
            // A new server per path: each starts with a full bucket.
            try await withSIEM(configure: { $0.security = configuration.security }) { client, _ async throws in
                let contentType = path.hasSuffix("_bulk") ? "application/x-ndjson" : "application/json"
                func post() async throws -> TestResponse {
                    try await client.execute(
                        uri: path, method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: body))
                }
                let first = try await post()
                #expect(first.status == .ok, "\(path): \(String(buffer: first.body))")
                #expect(try await post().status == .tooManyRequests, "\(path)")
            }
        }
    }
}
