import Foundation
import Hummingbird
import HummingbirdCore
import SIEMCore
import SIEMEngine
import SIEMStore

/// The EDR API: endpoint registration, telemetry, and the response-action queue. Each handler
/// decodes the request, calls `EDRService`, and encodes its answer.
struct EDRRoutes: Sendable {
    let edr: EDRService
    let maxBodyBytes: Int

    func register(on router: Router<SIEMRequestContext>) {
        router.post("/edr/register") { request, _ in try await register(request) }
        router.post("/edr/telemetry") { request, _ in try await telemetry(request) }
        router.get("/edr/actions/poll") { request, _ in try await poll(request) }
        router.post("/edr/actions") { request, context in try await queue(request, context) }
        router.post("/edr/actions/{id}/result") { request, context in try await result(request, context) }
        router.get("/edr/actions/history") { request, _ in try await history(request) }
        router.get("/edr/endpoints") { request, _ in try await endpoints(request) }
    }

    /// The agent token header of `request`, if any.
    static func token(in request: Request) -> String? {
        request.headers.first { $0.name.canonicalName == EDRTokens.header }?.value
    }

    // MARK: Agent side

    func register(_ request: Request) async throws -> Response {
        let body = try JSONObject(try await collectBody(request, limit: maxBodyBytes))
        let registration = EDRService.Registration(
            hostname: try body.requiredString("hostname"), os: try body.string("os") ?? "unknown",
            kernel: try body.string("kernel") ?? "unknown",
            ips: try body.strings("ips").compactMap { IPAddress.canonical($0) },
            agentVersion: try body.string("agent_version") ?? "unknown",
            agentID: try body.string("agent_id", maxLength: 64))
        let registered = try await edr.register(
            registration, token: try body.string("token") ?? Self.token(in: request))
        return JSONBody.response(status: registered.new ? .created : .ok) { body in
            body.object([
                ("agent_id", { $0.string(registered.agentID) }),
                ("token", { $0.string(registered.token) }),
                ("registered", { $0.raw(registered.new ? "true" : "false") }),
                ("lease_seconds", { $0.raw(String(edr.configuration.leaseSeconds)) }),
            ])
        }
    }

    func telemetry(_ request: Request) async throws -> Response {
        let body = try JSONObject(try await collectBody(request, limit: maxBodyBytes))
        let stored = try await edr.telemetry(
            agentID: try body.string("agent_id", maxLength: 64), token: Self.token(in: request),
            events: body.members["events"])
        return JSONBody.response { body in
            body.object([
                ("count", { $0.raw(String(stored.count)) }),
                ("alerts", { $0.raw(String(stored.reduce(0) { $0 + $1.alerts.count })) }),
            ])
        }
    }

    func poll(_ request: Request) async throws -> Response {
        let parameters = try QueryParameters(request, route: "GET /edr/actions/poll")
        let limit = try parameters.int(
            "limit", in: 1...EDRService.maxActionsPerPoll, default: EDRService.maxActionsPerPoll)!
        let (endpoint, leased) = try await edr.poll(
            agentID: parameters.string("agent_id"), token: Self.token(in: request), limit: limit)
        return JSONBody.response { body in
            body.object([
                ("agent_id", { $0.string(endpoint.agentID) }),
                ("actions", { body in body.array(leased) { $0.action($1) } }),
            ])
        }
    }

    func result(_ request: Request, _ context: SIEMRequestContext) async throws -> Response {
        guard let idText = context.parameters.get("id"), let id = Int64(idText), id > 0 else {
            throw APIError.invalid("the action id in the path must be a positive whole number")
        }
        let body = try JSONObject(try await collectBody(request, limit: maxBodyBytes))
        guard let status = ActionStatus(rawValue: try body.requiredString("status")), status.isFinal else {
            throw APIError.invalid("`status` must be one of succeeded, failed, refused, expired")
        }
        let result = ActionResult(
            status: status, output: body.members["output"].flatMap { $0 == .null ? nil : $0 },
            error: try body.string("error", maxLength: 4096))
        let action = try await edr.complete(
            actionID: id, agentID: try body.string("agent_id", maxLength: 64), token: Self.token(in: request),
            result: result)
        return JSONBody.response { $0.action(action) }
    }

    // MARK: Operator side

    /// With authentication on, `requested_by` is the identity (the dangerous-action allowlist names
    /// identities) and what the client sends is ignored.
    func queue(_ request: Request, _ context: SIEMRequestContext) async throws -> Response {
        let body = try JSONObject(try await collectBody(request, limit: maxBodyBytes))
        let agentID = try body.requiredString("agent_id", maxLength: 64)
        guard let type = ActionType(rawValue: try body.requiredString("action_type")) else {
            throw APIError.invalid(
                "`action_type` must be one of \(ActionType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let action = try await edr.queue(
            EDRService.ActionRequest(
                agentID: agentID, type: type, params: try body.object("params") ?? [:],
                requestedBy: try context.identity?.name ?? body.string("requested_by") ?? "",
                expiresInSeconds: try body.int("expires_in_seconds")
            ))
        return JSONBody.response(status: .created) { $0.action(action) }
    }

    func history(_ request: Request) async throws -> Response {
        let parameters = try QueryParameters(request, route: "GET /edr/actions/history")
        var query = ActionQuery(agentID: parameters.string("agent_id"), limit: try parameters.limit())
        if let text = parameters.string("status") {
            guard let status = ActionStatus(rawValue: text) else {
                throw APIError.invalid(
                    "`status` must be one of \(ActionStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.status = status
        }
        let items = try await edr.history(query)
        return JSONBody.response { body in
            body.object([("items", { body in body.array(items) { $0.action($1) } })])
        }
    }

    func endpoints(_ request: Request) async throws -> Response {
        let items = try await edr.endpoints(limit: try QueryParameters(request, route: "GET /edr/endpoints").limit())
        return JSONBody.response { body in
            body.object([("items", { body in body.array(items) { $0.endpoint($1.endpoint, online: $1.online) } })])
        }
    }
}
