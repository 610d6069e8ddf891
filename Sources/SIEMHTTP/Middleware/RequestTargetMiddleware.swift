import Hummingbird

/// Puts the request target in one form before any other middleware looks at it, so the rate
/// limiter, authentication and the router all see the same path:
/// - runs of slashes collapse to one (`//ingest` is `/ingest`, which the router would match anyway);
/// - anything that is not an origin-form path (`*`, a relative path) is refused with 400
///   (`GuardedHTTP1Channel` has already turned absolute-form targets into paths).
struct RequestTargetMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let target = request.head.path else { return try await next(request, context) }
        guard let path = Self.normalize(target) else {
            throw APIError.badRequest("the request target must be a path such as /events")
        }
        guard path != target else { return try await next(request, context) }
        var head = request.head
        head.path = path
        return try await next(Request(head: head, body: request.body), context)
    }

    /// The origin-form path with its runs of slashes collapsed (query kept); nil when the target
    /// is not a path. (Absolute-form targets are rewritten to paths by `GuardedHTTP1Channel`.)
    static func normalize(_ target: String) -> String? {
        guard target.hasPrefix("/") else { return nil }
        let queryStart = target.firstIndex(of: "?") ?? target.endIndex
        var collapsed = ""
        collapsed.reserveCapacity(target.utf8.count)
        var previousSlash = false
        for character in target[..<queryStart] {
            if character == "/" {
                if previousSlash { continue }
                previousSlash = true
            } else {
                previousSlash = false
            }
            collapsed.append(character)
        }
        return collapsed + target[queryStart...]
    }
}
