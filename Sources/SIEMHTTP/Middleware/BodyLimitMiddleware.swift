import Hummingbird
import NIOCore

/// Refuses (413) a request body larger than the limit: at once when `Content-Length` declares it,
/// and for a body of unknown length (chunked) as soon as the bytes read pass the limit, so no
/// handler ever buffers more than the limit.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if let declared = request.headers[.contentLength] {
            // NIO's parser rejects malformed and conflicting lengths, and never reads past one.
            guard let length = Int(declared), length <= limit else { throw APIError.tooLarge(limit) }
            return try await next(request, context)
        }
        var request = request
        request.body = RequestBody(asyncSequence: LimitedBody(base: request.body, limit: limit))
        return try await next(request, context)
    }
}

/// A request body that fails with a 413 once more than `limit` bytes have arrived.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        var received = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            received += buffer.readableBytes
            guard received <= limit else { throw APIError.tooLarge(limit) }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), limit: limit) }
}
