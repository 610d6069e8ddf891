import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SIEMCore
import SIEMEngine
import SIEMRules
import SIEMStore
import SIEMTestSupport
import Testing

@testable import SIEMHTTP

/// `POST /v1/logs` on a router of its own (the route, the error middleware, a real SQLite store).
@Suite struct OTLPRouteTests {
    func withOTLP(
        maxBodyBytes: Int = 1 << 20, maxEvents: Int = 100,
        _ body: @Sendable (any TestClientProtocol, Stores) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory(prefix: "siem-otlp")
        let stores = try Stores.sqlite(path: directory.databasePath, sync: .normal)
        var logger = Logger(label: "siemd-otlp-test")
        logger.logLevel = .warning
        let engine = Engine(
            configuration: ServerConfiguration().engine, stores: stores,
            rules: try RuleFiles.load(path: defaultRulesPath),
            logger: logger)
        let router = Router(context: SIEMRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        OTLPRoutes(pipeline: engine.pipeline, maxBodyBytes: maxBodyBytes, maxEvents: maxEvents).register(on: router)
        let app = Application(router: router, services: engine.services, logger: logger)
        defer { withExtendedLifetime(directory) {} }
        try await app.test(.router) { client in try await body(client, stores) }
        await stores.close()
    }

    func post(_ client: any TestClientProtocol, _ body: [UInt8], contentType: String?, headers: HTTPFields = [:])
        async throws -> TestResponse
    {
        var headers = headers
        if let contentType { headers[.contentType] = contentType }
        return try await client.execute(uri: "/v1/logs", method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    func events(_ stores: Stores, source: String) async throws -> [Event] {
        try await stores.events.events(EventQuery(source: source)).items
    }

    @Test func protobufExportIsStoredAndAnsweredInProtobuf() async throws {
        try await withOTLP { client, stores async throws in
            let response = try await post(client, Wire.sample(records: 3), contentType: "application/x-protobuf")
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.headers[.contentType] == "application/x-protobuf")
            // An empty ExportLogsServiceResponse is zero bytes.
            #expect(response.body.readableBytes == 0)
            let stored = try await events(stores, source: "checkout")
            #expect(stored.count == 3)
            #expect(Set(stored.map(\.message)) == ["record 0", "record 1", "record 2"])
            #expect(stored.allSatisfy { $0.host == "web-1" })
            #expect(stored.allSatisfy { $0.fields["http.method"] == .string("GET") })
            #expect(stored.allSatisfy { abs($0.ts.timeIntervalSince1970 - 1_544_712_660.3) < 1e-3 })
        }
    }

    @Test func protobufMediaTypeWithoutXIsAccepted() async throws {
        try await withOTLP { client, stores async throws in
            let response = try await post(client, Wire.sample(records: 1), contentType: "application/protobuf")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/x-protobuf")
            #expect(try await events(stores, source: "checkout").count == 1)
        }
    }

    @Test func jsonExportIsAnsweredInJSON() async throws {
        try await withOTLP { client, stores async throws in
            let json = """
                {"resourceLogs": [{"resource": {"attributes": [
                  {"key": "service.name", "value": {"stringValue": "json-svc"}},
                  {"key": "host.name", "value": {"stringValue": "db-2"}}]},
                  "scopeLogs": [{"logRecords": [{"timeUnixNano": "1544712660300000000",
                    "body": {"stringValue": "hello"}, "traceId": "5B8EFFF798038103D269B633813FC60C"}]}]}]}
                """
            let response = try await post(client, Array(json.utf8), contentType: "application/json; charset=utf-8")
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.text == "{}")
            let stored = try await events(stores, source: "json-svc")
            #expect(stored.map(\.message) == ["hello"])
            #expect(stored.first?.host == "db-2")
            #expect(stored.first?.fields["trace_id"] == .string("5b8efff798038103d269b633813fc60c"))
        }
    }

    @Test func emptyRequestIsAcceptedAndStoresNothing() async throws {
        try await withOTLP { client, stores async throws in
            #expect(try await post(client, [], contentType: "application/x-protobuf").status == .ok)
            #expect(try await post(client, Array("{}".utf8), contentType: "application/json").status == .ok)
            #expect(try await stores.events.counts().events == 0)
        }
    }

    @Test func badPayloadsAreRefusedWithBadRequestAndStoreNothing() async throws {
        try await withOTLP(maxEvents: 2) { client, stores async throws in
            let sample = Wire.sample(records: 2)
            let truncated = try await post(client, Array(sample.dropLast(3)), contentType: "application/x-protobuf")
            #expect(truncated.status == .badRequest)
            #expect(truncated.text.contains("truncated"), "\(truncated.text)")
            let tooMany = try await post(client, Wire.sample(records: 3), contentType: "application/x-protobuf")
            #expect(tooMany.status == .badRequest)
            #expect(tooMany.text.contains("at most 2 log records"), "\(tooMany.text)")
            let json = try await post(client, Array(#"{"resourceLogs": {}}"#.utf8), contentType: "application/json")
            #expect(json.status == .badRequest)
            #expect(json.text.contains("resourceLogs"), "\(json.text)")
            let notJSON = try await post(client, Array("{oops".utf8), contentType: "application/json")
            #expect(notJSON.status == .badRequest)
            #expect(try await stores.events.counts().events == 0)
        }
    }

    @Test func otherMediaTypesAndCompressionAreUnsupported() async throws {
        try await withOTLP { client, stores async throws in
            let sample = Wire.sample(records: 1)
            for contentType in ["text/plain", "application/x-ndjson", nil] {
                let response = try await post(client, sample, contentType: contentType)
                #expect(response.status == .unsupportedMediaType, "\(contentType ?? "none")")
                #expect(response.text.contains("application/x-protobuf"), "\(response.text)")
            }
            // gzip and deflate are inflated (CompressedBodyTests); other encodings cannot be read.
            let brotli = try await post(
                client, sample, contentType: "application/x-protobuf", headers: [.contentEncoding: "br"])
            #expect(brotli.status == .unsupportedMediaType)
            #expect(brotli.text.contains("content-encoding"), "\(brotli.text)")
            #expect(try await stores.events.counts().events == 0)
        }
    }

    @Test func bodiesAboveTheLimitAreRefused() async throws {
        try await withOTLP(maxBodyBytes: 64) { client, stores async throws in
            let response = try await post(client, Wire.sample(records: 5), contentType: "application/x-protobuf")
            #expect(response.status == .contentTooLarge)
            #expect(try await stores.events.counts().events == 0)
        }
    }
}

/// Just enough of the protobuf wire format to write export requests by hand.
enum Wire {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        return bytes + [UInt8(value)]
    }

    /// A length-delimited field (a message, a string).
    static func field(_ number: UInt64, _ payload: [UInt8]) -> [UInt8] {
        varint(number << 3 | 2) + varint(UInt64(payload.count)) + payload
    }

    static func string(_ number: UInt64, _ text: String) -> [UInt8] { field(number, Array(text.utf8)) }

    static func fixed64(_ number: UInt64, _ value: UInt64) -> [UInt8] {
        varint(number << 3 | 1) + (0..<8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    /// KeyValue { key = 1; AnyValue value = 2 { string_value = 1 } }.
    static func attribute(_ key: String, _ value: String) -> [UInt8] {
        string(1, key) + field(2, string(1, value))
    }

    /// ExportLogsServiceRequest { ResourceLogs { Resource, ScopeLogs { LogRecord × records } } } for
    /// service `checkout` on host `web-1`.
    static func sample(records: Int) -> [UInt8] {
        let resource = field(1, attribute("service.name", "checkout")) + field(1, attribute("host.name", "web-1"))
        let logRecords = (0..<records).flatMap { index in
            field(
                2,
                fixed64(1, 1_544_712_660_300_000_000) + field(5, string(1, "record \(index)"))
                    + field(6, attribute("http.method", "GET")))
        }
        return field(1, field(1, resource) + field(2, logRecords))
    }
}
