import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SIEMCore
import SIEMStore

/// Appends every state change to the audit log after it is answered, refused ones included: who
/// (the identity, or without authentication the client-named `x-siem-user`, else `anonymous`),
/// from which address, which route and path, and the status. Reads (GET, HEAD) are not state
/// changes; the data plane (`POST /ingest`, `POST /edr/telemetry`, the `_bulk`, HEC and OTLP ingest
/// routes) is recorded by its events.
struct AuditMiddleware<Context: IdentityRequestContext & RemoteAddressRequestContext>: RouterMiddleware {
    let store: any AuditStore
    let roles: RouteRoles
    /// Whether `method` on `path` only sends events: a literal match (the ingest path costs no route
    /// match), or a `_bulk` of any index.
    static func isDataPlane(_ method: HTTPRequest.Method, _ path: String) -> Bool {
        guard method == .post || method == .put else { return false }
        switch path {
        case "/ingest", "/edr/telemetry", "/v1/logs", "/services/collector", "/services/collector/event",
            "/services/collector/event/1.0", "/services/collector/raw", "/services/collector/raw/1.0":
            return method == .post
        default:
            return path.hasSuffix("/_bulk")
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let method = request.method
        guard method != .get, method != .head else { return try await next(request, context) }
        let path = request.uri.path
        guard !Self.isDataPlane(method, path) else { return try await next(request, context) }
        let action = roles.route(method: method.rawValue, path: path)?.template ?? "\(method.rawValue) \(path)"
        let response: Response
        let noted = AuditDetails()
        do {
            response = try await AuditDetails.$current.withValue(noted) { try await next(request, context) }
        } catch {
            let status = APIError(mapping: error, request: request).status.code
            await record(request, context, action: action, status: status, noted: noted.values)
            throw error
        }
        await record(request, context, action: action, status: response.status.code, noted: noted.values)
        return response
    }

    private func record(
        _ request: Request, _ context: Context, action: String, status: Int, noted: [String: JSONValue]
    ) async {
        let user = request.headers.first { $0.name.canonicalName == "x-siem-user" }?.value
        var details = noted
        if let query = request.uri.query, !query.isEmpty { details["query"] = .string(String(query.prefix(2000))) }
        let entry = AuditEntry(
            at: Date(), actor: context.identity?.name ?? user.map { String($0.prefix(200)) } ?? "anonymous",
            role: context.identity?.role.rawValue,
            address: context.remoteAddress?.ipAddress.flatMap { IPAddress.canonical($0) }, action: action,
            target: request.uri.path, status: status, details: details)
        do {
            _ = try await store.record([entry])
        } catch {
            context.logger.error(
                "audit entry not recorded", metadata: ["audit.action": "\(action)", "error": "\(error)"])
        }
    }
}

/// What a route adds to the audit entry of the request it answers (the alerts a triage changed and
/// how), beside who, where and what `AuditMiddleware` records itself. The middleware sets
/// `current` for the request; a route without audit details leaves it alone.
final class AuditDetails: Sendable {
    @TaskLocal static var current: AuditDetails?

    private let details = NIOLockedValueBox<[String: JSONValue]>([:])

    /// Adds `members` (a later value for a key replaces an earlier one).
    func add(_ members: [String: JSONValue]) {
        details.withLockedValue { $0.merge(members) { _, new in new } }
    }

    var values: [String: JSONValue] { details.withLockedValue { $0 } }
}
