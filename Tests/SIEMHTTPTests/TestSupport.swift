import AsyncHTTPClient
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

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let defaultRulesPath = repositoryRoot.appendingPathComponent("rules/default.yml").path

/// Runs `body` against a siemd application on a temporary database with the default rules (or the
/// configured ones). `webhooks` replaces the configured sender (tests read its counters); `clock`
/// drives the EDR lease and expiry times.
func withSIEM<T: Sendable>(
    _ setup: TestingSetup = .router,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    webhooks: WebhookSender? = nil,
    clock: ManualClock? = nil,
    logLevel: Logger.Level = .warning,
    _ body: @Sendable (any TestClientProtocol, Stores) async throws -> T
) async throws -> T {
    let directory = try TemporaryDirectory(prefix: "siem-http")
    var configuration = ServerConfiguration()
    configuration.port = 0
    configuration.databasePath = directory.databasePath
    configuration.rulesPath = defaultRulesPath
    configure(&configuration)
    let stores = try Stores.sqlite(path: configuration.databasePath, sync: .normal)
    let rules = try RuleFiles.load(path: configuration.rulesPath)
    var logger = Logger(label: "siemd-test")
    logger.logLevel = logLevel
    var now: @Sendable () -> Date = Date.init
    if let clock { now = { clock.now } }
    let engine = Engine(
        configuration: configuration.engine, stores: stores, rules: rules, webhooks: webhooks, logger: logger,
        now: now)
    let app = SIEMServer.makeApplication(configuration: configuration, engine: engine, logger: logger)
    defer { withExtendedLifetime(directory) {} }
    let result = try await app.test(setup) { client in try await body(client, stores) }
    await stores.close()
    return result
}

extension ByteBuffer {
    /// The body decoded as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(readableBytesView))) as? [String: Any] ?? [:]
    }
}

extension TestResponse {
    var json: [String: Any] { body.json }
    var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    var text: String { String(buffer: body) }
}

extension TestClientProtocol {
    @discardableResult
    func post(_ uri: String, _ body: String, contentType: String = "application/json") async throws -> TestResponse {
        try await execute(
            uri: uri, method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: body))
    }

    func get(_ uri: String) async throws -> TestResponse {
        try await execute(uri: uri, method: .get)
    }
}

/// Asserts the JSON error shape and status.
func expectError(
    _ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
    let json = response.json
    #expect(json["error"] is String, "\(response.text)", sourceLocation: sourceLocation)
    #expect((json["detail"] as? String)?.isEmpty == false, "\(response.text)", sourceLocation: sourceLocation)
}

let referenceEvent = """
    {
      "source": "syslog",
      "host": "demo-host",
      "message": "Failed password for invalid user admin from 10.0.0.5 port 53422 ssh2",
      "fields": {"program": "sshd"}
    }
    """
