import Hummingbird

/// Answers only requests whose Host header names one of `SIEM_TRUSTED_HOSTS` (port ignored);
/// anything else, a missing Host or a repeated one, is a 400.
struct TrustedHostMiddleware<Context: RequestContext>: RouterMiddleware {
    let hosts: [HostPattern]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard allows(request) else {
            throw APIError(.badRequest, "invalid_host", "the Host header does not name a host this server answers")
        }
        return try await next(request, context)
    }

    func allows(_ request: Request) -> Bool {
        guard let authority = request.head.authority, request.headers[values: .host].isEmpty,
            let host = Self.hostName(authority)
        else { return false }
        return hosts.contains { $0.matches(host: host) }
    }

    /// The host of `name[:port]` or `[v6]:port`, lowercased; nil when malformed.
    static func hostName(_ authority: String) -> String? {
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isASCIIDigit)) else {
                return nil
            }
            return HostPattern.normalize(authority[...close])
        }
        let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let name = parts.first, !name.isEmpty, parts.count == 1 || parts[1].allSatisfy(\.isASCIIDigit),
            !name.contains(where: { $0 == "@" || $0 == "/" || $0 == " " || $0 == ":" })
        else { return nil }
        return HostPattern.normalize(name)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
