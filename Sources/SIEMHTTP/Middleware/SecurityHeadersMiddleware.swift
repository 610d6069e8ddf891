import Hummingbird

/// Hardens what browsers do with siemd's pages: every response gets `X-Content-Type-Options:
/// nosniff` and `Referrer-Policy: no-referrer`; HTML also gets a Content-Security-Policy that
/// allows no inline or foreign script and no framing. Inline styles are allowed: they cannot run
/// code, and the pages use `style` attributes.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
            + "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        if response.headers[.contentType]?.lowercased().hasPrefix("text/html") == true {
            // A page that sets its own policy keeps it (`/docs` sets its own, also same-origin only).
            if response.headers[.contentSecurityPolicy] == nil {
                response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
            }
            response.headers[.xFrameOptions] = "DENY"
        }
        return response
    }
}
