import Hummingbird
import NIOCore

/// Refuses (429 with `Retry-After`) requests on the configured paths once the client's token
/// bucket is empty. The client is the TCP peer: behind a reverse proxy every client shares the
/// proxy's bucket, and `X-Forwarded-For` is never trusted.
struct RateLimitMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let limiter: TokenBucketLimiter<ClientAddress>
    let paths: [PathPattern]

    init(_ configuration: RateLimitConfiguration) {
        limiter = TokenBucketLimiter(
            rate: configuration.requestsPerSecond, burst: configuration.burst, maxKeys: configuration.maxClients)
        paths = configuration.paths
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        guard paths.contains(where: { $0.matches(path) }) else { return try await next(request, context) }
        let now = Double(NIODeadline.now().uptimeNanoseconds) / 1e9
        switch limiter.acquire(ClientAddress(context.remoteAddress), now: now) {
        case .admitted:
            return try await next(request, context)
        case .limited(let seconds):
            throw APIError(
                .tooManyRequests, "rate_limited", "too many requests from this address; retry in \(seconds) s",
                headers: [.retryAfter: String(seconds)])
        }
    }
}

/// The rate-limited identity of a peer: its IPv4 address, or the /64 network of an IPv6 one
/// (one host usually holds a whole /64). IPv4-mapped IPv6 peers count as their IPv4 address.
enum ClientAddress: Hashable, Sendable {
    case v4(UInt32)
    case v6(UInt64)
    case unknown

    init(_ address: SocketAddress?) {
        switch address {
        case .v4(let ipv4)?:
            self = .v4(UInt32(bigEndian: ipv4.address.sin_addr.s_addr))
        case .v6(let ipv6)?:
            let bytes = withUnsafeBytes(of: ipv6.address.sin6_addr) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
                self = .v4(bytes[12..<16].reduce(0) { $0 << 8 | UInt32($1) })
            } else {
                self = .v6(bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) })
            }
        default:
            self = .unknown
        }
    }
}
