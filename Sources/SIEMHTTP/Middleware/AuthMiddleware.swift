import Foundation
import Hummingbird
import SIEMCore

/// Requires an API key (`x-api-key` or `Authorization: Bearer`) or Basic credentials on every
/// path that is not exempt; when both are configured either one admits. Unknown routes are
/// protected too, so an anonymous client cannot map them. Credentials are never logged.
struct AuthMiddleware<Context: IdentityRequestContext>: RouterMiddleware {
    let apiKey: Secret?
    let basic: BasicCredentials?
    let apiKeys: APIKeys
    let exemptPaths: [PathPattern]
    static var realm: String { "swift-siem" }

    init(_ configuration: SecurityConfiguration) {
        apiKey = configuration.apiKey
        basic = configuration.basic
        apiKeys = configuration.apiKeys
        exemptPaths = configuration.authExemptPaths
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        if let identity = identity(request.headers) {
            var context = context
            context.identity = identity
            return try await next(request, context)
        }
        if exemptPaths.contains(where: { $0.matches(path) }) { return try await next(request, context) }
        // A Basic challenge makes browsers prompt for the dashboard.
        let challenge =
            basic != nil ? "Basic realm=\"\(Self.realm)\", charset=\"UTF-8\"" : "Bearer realm=\"\(Self.realm)\""
        throw APIError(
            .unauthorized, "unauthorized", "missing or invalid credentials", headers: [.wwwAuthenticate: challenge])
    }

    /// Who the headers' credentials name: `SIEM_API_KEY` is the `api-key` admin, a Basic user an
    /// admin of that name, a key of `SIEM_API_KEYS_FILE` its named identity. Only the first
    /// `x-api-key` and the first `Authorization` are read, so one request is at most two guesses.
    func identity(_ headers: HTTPFields) -> Identity? {
        for key in [headers[.apiKey].map { Substring($0) }, Self.credentials(headers, scheme: "bearer")] {
            guard let key else { continue }
            if let apiKey, apiKey.matches(key) { return Identity(name: "api-key", role: .admin) }
            if let identity = apiKeys.identity(for: key) { return identity }
        }
        if let basic, let encoded = Self.credentials(headers, scheme: "basic"),
            let decoded = Data(base64Encoded: String(encoded)).flatMap({ String(data: $0, encoding: .utf8) }),
            let colon = decoded.firstIndex(of: ":")
        {
            let user = decoded[..<colon]
            if basic.matches(user: user, password: decoded[decoded.index(after: colon)...]) {
                return Identity(name: String(user), role: .admin)
            }
        }
        return nil
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
