import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SIEMCore

/// Delivers NDJSON batches to siemd's `/ingest`: retries with exponential backoff and jitter while
/// the server is unreachable or answers 5xx, 408 or 429 (honouring `Retry-After`); splits a batch the
/// server rejects with another 4xx until the bad event is alone, and writes that one to the
/// dead-letter file. A batch counts as delivered only after siemd answered 2xx, which it does after
/// its commit.
final class Shipper: Sendable {
    struct Configuration: Sendable {
        var endpoint: String
        var apiKey: String?
        var deadLetterPath: String
        var initialRetryDelay: Duration = .milliseconds(200)
        var maxRetryDelay: Duration = .seconds(30)
        var requestTimeout: TimeAmount = .seconds(60)
    }

    let configuration: Configuration
    let counters: Counters
    let shutdown: ShutdownSignal
    let logger: Logger
    private let deadLetter: DeadLetterFile
    private let client: HTTPClient

    init(configuration: Configuration, counters: Counters, shutdown: ShutdownSignal, logger: Logger) {
        self.configuration = configuration
        self.counters = counters
        self.shutdown = shutdown
        self.logger = logger
        self.deadLetter = DeadLetterFile(path: configuration.deadLetterPath)
        // A refused connection fails the attempt after the connect timeout, so this type's own
        // backoff, counters and drain deadline decide what happens next.
        var client = HTTPClient.Configuration()
        client.timeout.connect = .seconds(2)
        client.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: client)
    }

    /// Closes the HTTP connections; call once, after the last `ship`.
    func close() async {
        try? await client.shutdown()
    }

    /// Delivers `lines` in requests within `limits`, calling `acknowledged` with the range of each
    /// request's lines after siemd answered it. Returns false when the drain timeout ran out first.
    func ship(
        _ lines: [[UInt8]], limits: BatchLimits, acknowledged: (Range<Int>) -> Void
    ) async -> Bool {
        var start = 0
        while start < lines.count {
            var end = start
            var bytes = 0
            while end < lines.count, end - start < limits.events,
                end == start || bytes + lines[end].count + 1 <= limits.bytes
            {
                bytes += lines[end].count + 1
                end += 1
            }
            guard await ship(lines[start..<end]) else { return false }
            acknowledged(start..<end)
            start = end
        }
        return true
    }

    /// Delivers `events` (NDJSON lines without newlines) in one request, split only when siemd
    /// rejects it. Returns true when every event was
    /// acknowledged or dead-lettered, false when the drain timeout after a shutdown request ran out
    /// first (nothing is then known to be delivered).
    func ship(_ events: ArraySlice<[UInt8]>) async -> Bool {
        guard !events.isEmpty else { return true }
        switch await post(events) {
        case .accepted(let answer):
            // siemd answers `{"count": stored, "duplicates": already stored, ...}`; both are acknowledged.
            let object = answer.flatMap { try? JSONParser.parse($0.utf8) }?.objectValue
            var duplicates = 0
            if case .int(let number)? = object?["duplicates"] { duplicates = Int(clamping: number) }
            var stored = events.count - duplicates
            if case .int(let number)? = object?["count"] { stored = Int(clamping: number) }
            counters.add {
                $0.sent += stored
                $0.duplicates += duplicates
            }
            return true
        case .abandoned:
            return false
        case .rejected(let status, let detail):
            guard events.count > 1 else {
                deadLetter.append(event: events[events.startIndex], status: status, detail: detail, logger: logger)
                counters.add { $0.deadLettered += 1 }
                return true
            }
            let middle = events.startIndex + events.count / 2
            guard await ship(events[..<middle]) else { return false }
            return await ship(events[middle...])
        }
    }

    private enum Outcome {
        /// With siemd's answer, when it was read whole.
        case accepted(answer: String?)
        case rejected(status: Int, detail: String)
        case abandoned
    }

    private func post(_ events: ArraySlice<[UInt8]>) async -> Outcome {
        var body = ByteBuffer()
        body.reserveCapacity(events.reduce(0) { $0 + $1.count + 1 })
        for event in events {
            body.writeBytes(event)
            body.writeInteger(UInt8(ascii: "\n"))
        }
        var attempt = 0
        while true {
            var retryAfter: Duration?
            do {
                var request = HTTPClientRequest(url: configuration.endpoint)
                request.method = .POST
                request.headers.add(name: "content-type", value: "application/x-ndjson")
                if let key = configuration.apiKey { request.headers.add(name: "x-api-key", value: key) }
                request.body = .bytes(body)
                guard let (status, headers, text, complete) = try await execute(request) else { return .abandoned }
                if (200..<300).contains(status) { return .accepted(answer: complete ? text : nil) }
                if status == 408 || status == 429 || status >= 500 {
                    retryAfter = headers.first(name: "retry-after").flatMap(Self.parseRetryAfter)
                    logger.warning(
                        "siemd answered \(status); retrying",
                        metadata: ["http.status": "\(status)", "retry.attempt": "\(attempt + 1)"])
                } else {
                    return .rejected(status: status, detail: String(text.prefix(2000)))
                }
            } catch {
                logger.warning(
                    "cannot reach siemd; retrying",
                    metadata: ["error": "\(error)", "retry.attempt": "\(attempt + 1)"])
            }
            if shutdown.drainExpired { return .abandoned }
            counters.add { $0.retries += 1 }
            attempt += 1
            await shutdown.sleep(retryAfter ?? backoff(attempt: attempt), untilDrainExpires: true)
            if shutdown.drainExpired { return .abandoned }
        }
    }

    /// One request: the status, the headers, the first MiB of the answer and whether that is all of
    /// it (an answer listing many alerts can be longer; the request still succeeded). Nil when the
    /// drain timeout ran out first (the request is then cancelled).
    private func execute(_ request: HTTPClientRequest) async throws -> (Int, HTTPHeaders, String, Bool)? {
        let client = self.client
        let timeout = configuration.requestTimeout
        let shutdown = self.shutdown
        return try await withThrowingTaskGroup(of: (Int, HTTPHeaders, String, Bool)?.self) { group in
            group.addTask {
                let response = try await client.execute(request, timeout: timeout)
                let limit = 1 << 20
                var kept = ByteBuffer()
                var complete = true
                for try await var chunk in response.body {
                    let room = limit - kept.readableBytes
                    if chunk.readableBytes > room { complete = false }
                    if room > 0, let slice = chunk.readSlice(length: min(room, chunk.readableBytes)) {
                        kept.writeImmutableBuffer(slice)
                    }
                }
                return (Int(response.status.code), response.headers, String(buffer: kept), complete)
            }
            group.addTask {
                while !shutdown.drainExpired, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Exponential backoff with full jitter in its upper half: a random delay in [d/2, d].
    func backoff(attempt: Int) -> Duration {
        let base = configuration.initialRetryDelay * (1 << min(attempt - 1, 20))
        let capped = min(base, configuration.maxRetryDelay)
        return capped * Double.random(in: 0.5...1.0)
    }

    /// `Retry-After` in delta-seconds or as an HTTP date, capped at ten minutes.
    static func parseRetryAfter(_ value: String) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text), seconds >= 0 { return .seconds(min(seconds, 600)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return .seconds(min(max(date.timeIntervalSinceNow, 0), 600))
    }
}
