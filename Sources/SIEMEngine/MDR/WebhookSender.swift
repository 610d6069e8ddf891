import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import SIEMCore
import ServiceLifecycle

/// Delivers MDR webhooks off the ingest path: `send` only enqueues (never waits); one service task
/// posts them with retries and backoff. The queue is bounded by count (`queueSize`) and by bytes
/// (`queueBytes`, the data texts of the deliveries waiting plus the one in flight); a delivery that
/// would exceed either is dropped (the newest), counted and logged. Redirects are never followed: a
/// 3xx answer fails the delivery like a 4xx, and the redirect target receives nothing.
///
/// Each POST carries `{"event": …, "data": …, "sent_at": …}`. With a secret, `x-siem-signature` is
/// `sha256=` + hex HMAC-SHA256(secret, exact body bytes); `x-siem-timestamp` repeats `sent_at`,
/// which is inside the signed body, so a receiver can reject stale or replayed deliveries.
public final class WebhookSender: Service, Sendable {
    public struct Configuration: Sendable {
        public var url: String
        public var secret: String?
        public var timeout: Double
        public var queueSize: Int
        /// The most bytes of delivery data that may wait, the delivery in flight included.
        public var queueBytes: Int
        public var maxAttempts: Int
        public var retryDelay: Double

        public init(
            url: String, secret: String? = nil, timeout: Double = 1.5, queueSize: Int = 10_000,
            queueBytes: Int = 64 << 20, maxAttempts: Int = 4, retryDelay: Double = 0.5
        ) {
            self.url = url
            self.secret = secret
            self.timeout = timeout
            self.queueSize = queueSize
            self.queueBytes = queueBytes
            self.maxAttempts = maxAttempts
            self.retryDelay = retryDelay
        }

        public init?(_ mdr: MDRConfiguration) {
            guard let url = mdr.webhookURL else { return nil }
            self.init(
                url: url, secret: mdr.webhookSecret, timeout: mdr.webhookTimeout, queueSize: mdr.webhookQueueSize,
                queueBytes: mdr.webhookQueueBytes, maxAttempts: mdr.webhookMaxAttempts,
                retryDelay: mdr.webhookRetryDelay)
        }
    }

    /// Counters since start.
    public struct Counts: Sendable, Hashable {
        public var enqueued = 0
        public var delivered = 0
        /// Deliveries that failed every attempt.
        public var failed = 0
        /// Deliveries refused because the queue was full (by count or by bytes).
        public var dropped = 0
        public var attempts = 0
        /// Bytes of data of the deliveries queued now, the one in flight included (a gauge, not a counter).
        public var queuedBytes = 0
    }

    struct Delivery: Sendable {
        let event: String
        let data: String
    }

    let configuration: Configuration
    private let logger: Logger
    private let stream: AsyncStream<Delivery>
    private let continuation: AsyncStream<Delivery>.Continuation
    private let counts = Locked(Counts())

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(
            of: Delivery.self, bufferingPolicy: .bufferingOldest(configuration.queueSize))
    }

    public var statistics: Counts { counts.value }

    /// Queues `event` with `data` (a JSON text); returns at once.
    public func send(event: String, data: String) {
        let bytes = data.utf8.count
        // Reserve the bytes before yielding, so concurrent senders cannot together exceed the budget.
        let reserved = counts.update {
            guard $0.queuedBytes + bytes <= configuration.queueBytes else { return false }
            $0.queuedBytes += bytes
            return true
        }
        guard reserved else {
            drop(event: event, limit: "bytes")
            return
        }
        switch continuation.yield(Delivery(event: event, data: data)) {
        case .enqueued:
            counts.update { $0.enqueued += 1 }
        case .dropped:
            release(bytes)
            drop(event: event, limit: "count")
        case .terminated:
            counts.update {
                $0.queuedBytes -= bytes
                $0.dropped += 1
            }
        @unknown default:
            counts.update {
                $0.queuedBytes -= bytes
                $0.dropped += 1
            }
        }
    }

    /// Counts a delivery refused by the `limit` ("count" or "bytes") of the queue; logs the first and every 1000th.
    private func drop(event: String, limit: String) {
        let dropped = counts.update {
            $0.dropped += 1
            return $0.dropped
        }
        if dropped == 1 || dropped % 1000 == 0 {
            logger.warning(
                "webhook queue full; delivery dropped",
                metadata: [
                    "webhook.event": "\(event)", "webhook.dropped": "\(dropped)", "webhook.queue_limit": "\(limit)",
                ])
        }
    }

    private func release(_ bytes: Int) {
        counts.update { $0.queuedBytes -= bytes }
    }

    public func run() async throws {
        // Never follow redirects: the body and its signature go to `url` and nowhere else.
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
        for await delivery in stream.cancelOnGracefulShutdown() {
            await deliver(delivery, client: client)
        }
        continuation.finish()
        try? await client.shutdown()
    }

    /// The body and headers of one delivery, signed when a secret is set.
    func request(for delivery: Delivery, sentAt: Date) -> (body: String, headers: [(String, String)]) {
        let timestamp = Timestamp.format(sentAt)
        var body = "{\"event\":"
        JSONValue.writeString(delivery.event, to: &body)
        body += ",\"data\":" + delivery.data + ",\"sent_at\":"
        JSONValue.writeString(timestamp, to: &body)
        body += "}"
        var headers = [
            ("content-type", "application/json"), ("user-agent", "siemd/\(siemVersion)"),
            ("x-siem-event", delivery.event), ("x-siem-timestamp", timestamp),
        ]
        if let secret = configuration.secret {
            headers.append(("x-siem-signature", WebhookSignature.header(body: Data(body.utf8), secret: secret)))
        }
        return (body, headers)
    }

    private func deliver(_ delivery: Delivery, client: HTTPClient) async {
        defer { release(delivery.data.utf8.count) }
        let (body, headers) = request(for: delivery, sentAt: Date())
        var request = HTTPClientRequest(url: configuration.url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        var delay = configuration.retryDelay
        var lastProblem = ""
        for attempt in 1...configuration.maxAttempts {
            counts.update { $0.attempts += 1 }
            do {
                let response = try await client.execute(
                    request, timeout: .milliseconds(Int64(configuration.timeout * 1000)))
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(response.status.code) {
                    counts.update { $0.delivered += 1 }
                    return
                }
                let code = response.status.code
                lastProblem = (300..<400).contains(code) ? "HTTP \(code) (redirects are not followed)" : "HTTP \(code)"
                // A redirect (not followed) or a client error other than timeout / rate limit will not get
                // better by retrying.
                if (300..<500).contains(code), code != 408, code != 429 { break }
            } catch {
                lastProblem = "\(type(of: error))"
            }
            guard attempt < configuration.maxAttempts, !Task.isShuttingDownGracefully else { break }
            try? await Task.sleep(for: .seconds(delay))
            delay *= 2
        }
        counts.update { $0.failed += 1 }
        logger.warning(
            "webhook delivery failed",
            metadata: ["webhook.event": "\(delivery.event)", "webhook.problem": "\(lastProblem)"])
    }
}

/// Computing and checking `x-siem-signature`.
public enum WebhookSignature {
    /// `sha256=<lowercase hex HMAC-SHA256 of body keyed with secret>`.
    public static func header(body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// True when `header` is the signature of `body` under `secret` (constant-time comparison).
    public static func isValid(header: String, body: Data, secret: String) -> Bool {
        guard header.hasPrefix("sha256="), let mac = hexBytes(header.dropFirst("sha256=".count)) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            mac, authenticating: body, using: SymmetricKey(data: Data(secret.utf8)))
    }

    private static func hexBytes(_ text: Substring) -> [UInt8]? {
        guard text.utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = nibble(high), let l = nibble(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
