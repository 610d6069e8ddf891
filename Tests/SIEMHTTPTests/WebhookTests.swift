import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SIEMEngine
import SIEMRules
import SIEMStore
import ServiceLifecycle
import Testing

@testable import SIEMHTTP

/// A real webhook receiver on loopback: records each request (GET or POST); can fail the first ones,
/// hold requests until released, or answer every request with a 302 to `redirectTo`.
actor WebhookReceiver {
    struct Received: Sendable {
        var headers: HTTPFields
        var body: Data
    }

    private(set) var received: [Received] = []
    private var failuresLeft: Int
    private var holding: Bool
    private var held: [CheckedContinuation<Void, Never>] = []
    private let redirectTo: String?

    init(failFirst: Int = 0, hold: Bool = false, redirectTo: String? = nil) {
        failuresLeft = failFirst
        holding = hold
        self.redirectTo = redirectTo
    }

    var heldCount: Int { held.count }

    func record(_ headers: HTTPFields, _ body: Data) async -> HTTPResponse.Status {
        received.append(Received(headers: headers, body: body))
        if holding { await withCheckedContinuation { held.append($0) } }
        if redirectTo != nil { return .found }
        if failuresLeft > 0 {
            failuresLeft -= 1
            return .internalServerError
        }
        return .ok
    }

    func release() {
        holding = false
        for continuation in held { continuation.resume() }
        held.removeAll()
    }

    /// Runs `body` with the receiver listening on a free loopback port.
    func serve<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { [self] request, _ in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let status = await record(request.headers, Data(buffer.readableBytesView))
            guard let redirectTo else { return Response(status: status) }
            return Response(status: status, headers: [.location: redirectTo])
        }
        // GET too: a followed 302 turns the POST into a GET.
        router.post("/hook", use: handler)
        router.get("/hook", use: handler)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { portContinuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            defer { tasks.cancelAll() }
            let result = try await body(port)
            release()
            await group.triggerGracefulShutdown()
            return result
        }
    }
}

extension HTTPFields {
    func value(_ name: String) -> String? { first { $0.name.canonicalName == name }?.value }
}

/// Runs `body` against siemd with `sender` as its webhook sender.
func withSIEM<T: Sendable>(
    webhooks sender: WebhookSender,
    _ body: @Sendable (any TestClientProtocol) async throws -> T
) async throws -> T {
    try await withSIEM(webhooks: sender, logLevel: .critical) { client, _ in try await body(client) }
}

/// Waits (bounded: at most `tries` short sleeps) until `condition` holds.
func eventually(tries: Int = 500, _ condition: @Sendable () async -> Bool) async -> Bool {
    for _ in 0..<tries {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

@Suite struct WebhookTests {
    func sender(
        port: Int, secret: String? = "s3cret", queueSize: Int = 100, queueBytes: Int = 64 << 20, attempts: Int = 3,
        timeout: Double = 5
    ) -> WebhookSender {
        WebhookSender(
            configuration: .init(
                url: "http://127.0.0.1:\(port)/hook", secret: secret, timeout: timeout, queueSize: queueSize,
                queueBytes: queueBytes, maxAttempts: attempts, retryDelay: 0.01),
            logger: Logger(label: "webhook-test"))
    }

    @Test func signatureMatchesRFC4231Vector() {
        let header = WebhookSignature.header(body: Data("what do ya want for nothing?".utf8), secret: "Jefe")
        #expect(header == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(
            WebhookSignature.isValid(header: header, body: Data("what do ya want for nothing?".utf8), secret: "Jefe"))
        #expect(
            !WebhookSignature.isValid(header: header, body: Data("what do ya want for nothing!".utf8), secret: "Jefe"))
        #expect(!WebhookSignature.isValid(header: "sha256=00", body: Data(), secret: "Jefe"))
    }

    /// A repeat that suppression folds into the first alert grows it and sends no webhook.
    @Test func aSuppressedRepeatSendsNoSecondWebhook() async throws {
        let receiver = WebhookReceiver()
        try await receiver.serve { port in
            let sender = sender(port: port)
            try await withSIEM(webhooks: sender) { client in
                let first = try await client.post("/ingest", referenceEvent)
                #expect((first.json["alerts"] as? [Any])?.count == 2)
                #expect(await eventually { await receiver.received.count == 2 })
                for _ in 0..<3 {
                    let repeated = try await client.post("/ingest", referenceEvent)
                    #expect((repeated.json["alerts"] as? [Any])?.isEmpty == true)
                }
                let alerts = try await client.get("/alerts?rule_id=ssh_failed_password")
                #expect(alerts.items.count == 1)
                #expect(alerts.items.first?["count"] as? Int == 4)
                #expect((alerts.items.first?["event_ids"] as? [Int])?.count == 4)
                // The webhook deliveries stay at the first two alerts.
                try await Task.sleep(for: .milliseconds(300))
                #expect(await receiver.received.count == 2)
                #expect(sender.statistics.enqueued == 2)
            }
        }
    }

    @Test func alertCreatedIsSignedOverTheExactBody() async throws {
        let receiver = WebhookReceiver()
        try await receiver.serve { port in
            let sender = sender(port: port)
            try await withSIEM(webhooks: sender) { client in
                try await client.post("/ingest", referenceEvent)
                #expect(await eventually { await receiver.received.count >= 2 })
                let deliveries = await receiver.received
                for delivery in deliveries {
                    let signature = try #require(delivery.headers.value("x-siem-signature"))
                    #expect(signature == WebhookSignature.header(body: delivery.body, secret: "s3cret"))
                    let json = try #require(try JSONSerialization.jsonObject(with: delivery.body) as? [String: Any])
                    #expect(json["event"] as? String == "alert.created")
                    #expect(json["sent_at"] as? String == delivery.headers.value("x-siem-timestamp"))
                    let data = try #require(json["data"] as? [String: Any])
                    #expect(data["rule_id"] as? String != nil)
                    #expect((data["event"] as? [String: Any])?["host"] as? String == "demo-host")
                }
                var tampered = deliveries[0].body
                tampered[tampered.startIndex] = UInt8(ascii: " ")
                #expect(
                    !WebhookSignature.isValid(
                        header: deliveries[0].headers.value("x-siem-signature")!, body: tampered,
                        secret: "s3cret"))

                let created = try await client.post("/mdr/incidents", #"{"title":"t"}"#)
                #expect(created.status == .created)
                #expect(await eventually { await receiver.received.count >= 3 })
                let last = try #require(await receiver.received.last)
                let json = try JSONSerialization.jsonObject(with: last.body) as? [String: Any]
                #expect(json?["event"] as? String == "incident.created")
                #expect((json?["data"] as? [String: Any])?["title"] as? String == "t")
            }
        }
    }

    @Test func failedDeliveriesAreRetriedWithTheSameBody() async throws {
        let receiver = WebhookReceiver(failFirst: 2)
        try await receiver.serve { port in
            let sender = sender(port: port, attempts: 3)
            try await withSIEM(webhooks: sender) { client in
                try await client.post("/ingest", #"{"message": "x"}"#)
                try await client.post("/mdr/incidents", #"{"title":"retry me"}"#)
                #expect(await eventually { sender.statistics.delivered == 1 })
                let received = await receiver.received
                #expect(received.count == 3)
                #expect(Set(received.map(\.body)).count == 1)
                #expect(sender.statistics.attempts == 3)
                #expect(sender.statistics.failed == 0)
            }
        }
    }

    @Test func aStuckReceiverDoesNotHoldIngestAndAFullQueueDrops() async throws {
        let receiver = WebhookReceiver(hold: true)
        try await receiver.serve { port in
            let sender = sender(port: port, queueSize: 1, attempts: 1, timeout: 120)
            try await withSIEM(webhooks: sender) { client in
                try await client.post("/mdr/incidents", #"{"title":"first"}"#)
                #expect(await eventually { await receiver.heldCount == 1 })
                // The receiver is holding a delivery: ingest still answers, alerts are queued or dropped.
                // Each from another address: repeats from one address would fold into one alert.
                for attempt in 0..<3 {
                    let event = referenceEvent.replacingOccurrences(of: "10.0.0.5", with: "10.0.1.\(attempt)")
                    let ingest = try await client.post("/ingest", event)
                    #expect(ingest.status == .ok)
                }
                // Alerts reach the sender through the post-commit queue, after the ingest has answered.
                #expect(await eventually { sender.statistics.enqueued + sender.statistics.dropped == 7 })
                #expect(await receiver.heldCount == 1)
                let counts = sender.statistics
                #expect(counts.dropped >= 5)
                await receiver.release()
                #expect(await eventually { sender.statistics.delivered == counts.enqueued })
            }
        }
    }

    @Test func aStuckReceiverAndLargeDeliveriesStayWithinTheQueueBytes() async throws {
        let receiver = WebhookReceiver(hold: true)
        try await receiver.serve { port in
            let budget = 200_000
            let sender = sender(port: port, queueSize: 1000, queueBytes: budget, attempts: 1, timeout: 120)
            try await withSIEM(webhooks: sender) { client in
                let peak = Task {
                    var peak = 0
                    while !Task.isCancelled {
                        peak = max(peak, sender.statistics.queuedBytes)
                        try? await Task.sleep(for: .milliseconds(1))
                    }
                    return peak
                }
                try await client.post("/mdr/incidents", #"{"title":"first"}"#)
                #expect(await eventually { await receiver.heldCount == 1 })
                // Two alerts per event, each alert.created carrying the whole 30 kB event: the count limit
                // (1000) would take all 20, the byte budget takes at most 6.
                let padding = String(repeating: "A", count: 30_000)
                // Each from another address: repeats from one address would fold into one alert.
                func large(_ attempt: Int) -> String {
                    """
                    {"source": "syslog", "host": "demo-host", "fields": {"program": "sshd"},
                     "message": "Failed password for invalid user admin from 10.0.1.\(attempt) port 53422 ssh2 \(padding)"}
                    """
                }
                let started = ContinuousClock.now
                for attempt in 0..<10 {
                    let ingest = try await client.post("/ingest", large(attempt))
                    #expect(ingest.status == .ok)
                }
                #expect(ContinuousClock.now - started < .seconds(30))
                #expect(await eventually { sender.statistics.enqueued + sender.statistics.dropped == 21 })
                let counts = sender.statistics
                #expect(counts.dropped >= 14)
                #expect(counts.queuedBytes <= budget)
                #expect(await receiver.heldCount == 1)
                peak.cancel()
                #expect(await peak.value <= budget)
                await receiver.release()
                #expect(await eventually { sender.statistics.delivered == counts.enqueued })
                #expect(await eventually { sender.statistics.queuedBytes == 0 })
            }
        }
    }

    @Test func redirectsAreNotFollowed() async throws {
        let target = WebhookReceiver()
        try await target.serve { targetPort in
            let redirecting = WebhookReceiver(redirectTo: "http://127.0.0.1:\(targetPort)/hook")
            try await redirecting.serve { port in
                let sender = sender(port: port, attempts: 3)
                try await withSIEM(webhooks: sender) { client in
                    try await client.post("/mdr/incidents", #"{"title":"redirect me"}"#)
                    #expect(await eventually { sender.statistics.failed == 1 })
                    // Time for a followed redirect or a retry to arrive.
                    try await Task.sleep(for: .milliseconds(300))
                    let counts = sender.statistics
                    #expect(counts.attempts == 1)
                    #expect(counts.delivered == 0)
                    #expect(counts.queuedBytes == 0)
                    #expect(await redirecting.received.count == 1)
                    #expect(await target.received.isEmpty)
                }
            }
        }
    }

    @Test func aDeadReceiverCountsFailures() async throws {
        // Port 1 on loopback: nothing listens, connections are refused.
        let sender = sender(port: 1, attempts: 2, timeout: 0.2)
        try await withSIEM(webhooks: sender) { client in
            let ingest = try await client.post("/ingest", referenceEvent)
            #expect(ingest.status == .ok)
            #expect(await eventually { sender.statistics.failed == 2 })
            #expect(sender.statistics.attempts == 4)
            #expect(sender.statistics.delivered == 0)
        }
    }
}
