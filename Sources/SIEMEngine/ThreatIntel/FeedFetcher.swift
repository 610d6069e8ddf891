import AsyncHTTPClient
import Foundation
import NIOCore
import SIEMCore

/// GETs feed documents under limits: http and https only, at most `maxBytes` per refresh (every
/// page and event file together), `timeout` seconds per request (body included), at most
/// `maxRedirects` redirects and never to another scheme. Credentials in the URL are sent as
/// `Authorization: Basic` to its host only (not after a redirect elsewhere).
public struct FeedFetcher: Sendable {
    public struct Configuration: Sendable {
        /// `SIEM_TI_FEED_MAX_BYTES`.
        public var maxBytes = 64 << 20
        /// `SIEM_TI_FEED_TIMEOUT`, seconds.
        public var timeout: Double = 60
        public var maxRedirects = 5
        /// The most TAXII pages one refresh reads.
        public var maxPages = 1000
        /// The most event files of a MISP feed one refresh reads.
        public var maxEventFiles = 10_000

        public init() {}
    }

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// One answer: 304 (`body` empty) or 2xx.
    struct Response {
        var status: Int
        /// Lowercased names; the first value of each.
        var headers: [String: String]
        var body: String
    }

    /// Runs `body` with a session whose client is shut down afterwards.
    func withSession<T>(_ body: (inout Session) async throws(FeedError) -> T) async throws(FeedError) -> T {
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(
                    connect: .milliseconds(Int64(min(10, configuration.timeout) * 1000)),
                    read: .milliseconds(Int64(configuration.timeout * 1000)))))
        var session = Session(client: client, configuration: configuration, remaining: configuration.maxBytes)
        let result: Result<T, FeedError>
        do { result = .success(try await body(&session)) } catch { result = .failure(error) }
        try? await client.shutdown()
        return try result.get()
    }

    /// The requests of one refresh, sharing a client and a byte budget.
    struct Session {
        let client: HTTPClient
        let configuration: Configuration
        var remaining: Int

        /// GETs `url`, following redirects; `headers` are sent to every hop.
        mutating func get(_ url: String, headers: [(String, String)]) async throws(FeedError) -> Response {
            let credentials = FeedURL.credentials(url)
            let origin = FeedURL.host(url)
            var current = credentials?.url ?? url
            for _ in 0...configuration.maxRedirects {
                var request = HTTPClientRequest(url: current)
                request.headers.add(name: "user-agent", value: "siemd/\(siemVersion)")
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                if let credentials, FeedURL.host(current) == origin {
                    let token = Data("\(credentials.user):\(credentials.password)".utf8).base64EncodedString()
                    request.headers.add(name: "authorization", value: "Basic \(token)")
                }
                let response: HTTPClientResponse
                let timeout = configuration.timeout
                do {
                    response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
                } catch {
                    throw FeedError(error, timeout: timeout)
                }
                let status = Int(response.status.code)
                if (300..<400).contains(status), status != 304 {
                    _ = try? await response.body.collect(upTo: 64 * 1024)
                    guard let location = response.headers.first(name: "location") else {
                        throw .status(status)
                    }
                    guard let next = FeedURL.resolve(location, against: current) else {
                        throw .redirect("a redirect to something other than http or https was refused")
                    }
                    current = next
                    continue
                }
                guard status == 304 || (200..<300).contains(status) else {
                    _ = try? await response.body.collect(upTo: 64 * 1024)
                    throw .status(status)
                }
                var names: [String: String] = [:]
                for header in response.headers where names[header.name.lowercased()] == nil {
                    names[header.name.lowercased()] = header.value
                }
                if status == 304 { return Response(status: status, headers: names, body: "") }
                if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > remaining {
                    throw .tooLarge(configuration.maxBytes)
                }
                let body = try await collect(response.body, limit: remaining, timeout: timeout)
                remaining -= body.readableBytes
                return Response(status: status, headers: names, body: String(buffer: body))
            }
            throw .redirect("more than \(configuration.maxRedirects) redirects")
        }

        /// The body, up to `limit` bytes, within `timeout` seconds.
        private func collect(
            _ body: HTTPClientResponse.Body, limit: Int, timeout: Double
        ) async throws(FeedError) -> ByteBuffer {
            let maxBytes = configuration.maxBytes
            do {
                return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                    group.addTask { try await body.collect(upTo: limit) }
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(Int64(timeout * 1000)))
                        return nil
                    }
                    defer { group.cancelAll() }
                    guard let first = try await group.next(), let buffer = first else {
                        throw FeedError.timeout(timeout)
                    }
                    return buffer
                }
            } catch let error as FeedError {
                throw error
            } catch is NIOTooManyBytesError {
                throw .tooLarge(maxBytes)
            } catch {
                throw FeedError(error, timeout: timeout)
            }
        }
    }
}

/// Why a feed could not be read; `description` is safe to log and show (no URL, no credentials).
public enum FeedError: Error, Sendable, Equatable, CustomStringConvertible {
    case status(Int)
    case tooLarge(Int)
    case timeout(Double)
    case redirect(String)
    case transport(String)
    /// The answer is not a feed we read (HTML, nothing valid in it).
    case unreadable(String)

    init(_ error: any Error, timeout: Double) {
        if let error = error as? FeedError {
            self = error
        } else if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: self = .timeout(timeout)
            // Refused connections are retried until the connect timeout.
            case .connectTimeout: self = .transport("no connection within \(min(10, timeout).formatted()) s")
            case .remoteConnectionClosed: self = .transport("the server closed the connection")
            case .cancelled: self = .transport("cancelled")
            default: self = .transport("HTTP client error \(String(describing: error).prefix(200))")
            }
        } else if error is CancellationError {
            self = .transport("cancelled")
        } else {
            // NIO connect errors name the address and errno; nothing of the URL's path, query or user.
            self = .transport(String(String(describing: error).prefix(300)))
        }
    }

    public var description: String {
        switch self {
        case .status(let code): "the server answered HTTP \(code)"
        case .tooLarge(let limit): "the feed is larger than \(limit) bytes (SIEM_TI_FEED_MAX_BYTES)"
        case .timeout(let seconds): "no complete answer within \(seconds.formatted()) s (SIEM_TI_FEED_TIMEOUT)"
        case .redirect(let problem): problem
        case .transport(let problem): "cannot fetch: \(problem)"
        case .unreadable(let problem): problem
        }
    }
}
