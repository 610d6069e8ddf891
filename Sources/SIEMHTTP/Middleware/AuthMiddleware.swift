import Foundation
import Hummingbird
import SIEMCore

/// Requires an API key or Basic credentials on every path that is not exempt; when both are
/// configured either one admits. An API key comes as `x-api-key`, or in `Authorization` as
/// `Bearer <key>`, Splunk HEC's `Splunk <key>` or Elasticsearch's `ApiKey <base64 of id:key>`.
/// Unknown routes are protected too, so an anonymous client cannot map them. Credentials are never
/// logged. HEC clients are refused as Splunk refuses them: 401 without a token, 403 for a wrong one.
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
        if ErrorDialect(path: path) == .splunk {
            guard request.headers[.authorization] == nil && request.headers[.apiKey] == nil else {
                var error = APIError(.forbidden, "invalid_token", "the HEC token is not valid")
                error.hecReply = .invalidToken
                throw error
            }
            var error = APIError(
                .unauthorized, "unauthorized", "a HEC token is required: Authorization: Splunk <token>")
            error.hecReply = .tokenRequired
            error.headers[.wwwAuthenticate] = "Splunk"
            throw error
        }
        // A Basic challenge makes browsers prompt for the dashboard.
        let challenge =
            basic != nil ? "Basic realm=\"\(Self.realm)\", charset=\"UTF-8\"" : "Bearer realm=\"\(Self.realm)\""
        throw APIError(
            .unauthorized, "unauthorized", "missing or invalid credentials", headers: [.wwwAuthenticate: challenge])
    }

    /// Who the headers' credentials name: `SIEM_API_KEY` is the `api-key` admin, a Basic user an
    /// admin of that name, a key of `SIEM_API_KEYS_FILE` its named identity. Only the first
    /// `x-api-key` and the first `Authorization` are read, so one request is at most four guesses.
    func identity(_ headers: HTTPFields) -> Identity? {
        var keys = [
            headers[.apiKey].map { Substring($0) }, Self.credentials(headers, scheme: "bearer"),
            Self.credentials(headers, scheme: "splunk"),
        ]
        keys += Self.elasticAPIKeys(headers)
        for key in keys {
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

    /// The keys an Elasticsearch `Authorization: ApiKey <credentials>` may carry: the credentials as
    /// sent (a client given the key itself), and of their base64 text `id:key`, the key part and
    /// the whole (a client given an id and a key).
    static func elasticAPIKeys(_ headers: HTTPFields) -> [Substring?] {
        guard let credentials = credentials(headers, scheme: "apikey") else { return [] }
        guard let decoded = Data(base64Encoded: String(credentials)).flatMap({ String(data: $0, encoding: .utf8) }),
            !decoded.isEmpty
        else { return [credentials] }
        let key = decoded.firstIndex(of: ":").map { decoded[decoded.index(after: $0)...] }
        return [credentials, key, decoded[...]]
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
