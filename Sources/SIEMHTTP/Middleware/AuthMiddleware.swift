import Foundation
import Hummingbird

/// Requires an API key (`x-api-key` or `Authorization: Bearer`) or Basic credentials on every
/// path that is not exempt; when both are configured either one admits. Unknown routes are
/// protected too, so an anonymous client cannot map them. Credentials are never logged.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let apiKey: Secret?
    let basic: BasicCredentials?
    let exemptPaths: [PathPattern]
    static var realm: String { "swift-siem" }

    init(_ configuration: SecurityConfiguration) {
        apiKey = configuration.apiKey
        basic = configuration.basic
        exemptPaths = configuration.authExemptPaths
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        if exemptPaths.contains(where: { $0.matches(path) }) || admits(request.headers) {
            return try await next(request, context)
        }
        // A Basic challenge makes browsers prompt for the dashboard.
        let challenge =
            basic != nil ? "Basic realm=\"\(Self.realm)\", charset=\"UTF-8\"" : "Bearer realm=\"\(Self.realm)\""
        throw APIError(
            .unauthorized, "unauthorized", "missing or invalid credentials", headers: [.wwwAuthenticate: challenge])
    }

    /// Whether the headers carry a configured credential. Only the first `x-api-key` and the first
    /// `Authorization` are read, so one request is at most two guesses.
    func admits(_ headers: HTTPFields) -> Bool {
        if let apiKey {
            if let key = headers[.apiKey], apiKey.matches(key) { return true }
            if let token = Self.credentials(headers, scheme: "bearer"), apiKey.matches(token) { return true }
        }
        if let basic, let encoded = Self.credentials(headers, scheme: "basic"),
            let decoded = Data(base64Encoded: String(encoded)).flatMap({ String(data: $0, encoding: .utf8) }),
            let colon = decoded.firstIndex(of: ":")
        {
            return basic.matches(user: decoded[..<colon], password: decoded[decoded.index(after: colon)...])
        }
        return false
    }

    /// The credentials of the first `Authorization` header when it uses `scheme` (case-insensitive).
    static func credentials(_ headers: HTTPFields, scheme: String) -> Substring? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == scheme else { return nil }
        let credentials = parts[1].trimmingCharacters(in: .whitespaces)
        return credentials.isEmpty ? nil : credentials[...]
    }
}
