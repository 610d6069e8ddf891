import Foundation
import Hummingbird
import HummingbirdCore
import SIEMCore
import SIEMStore

/// The EDR API: endpoint registration, telemetry, and the response-action queue.
struct EDRRoutes: Sendable {
    let pipeline: Pipeline
    let store: any EDRStore
    let configuration: ServerConfiguration
    var now: @Sendable () -> Date = Date.init

    /// The most telemetry items one request may carry.
    static let maxTelemetryItems = 5000
    static let maxActionsPerPoll = 20

    func register(on router: Router<SIEMRequestContext>) {
        router.post("/edr/register") { request, _ in try await register(request) }
        router.post("/edr/telemetry") { request, _ in try await telemetry(request) }
        router.get("/edr/actions/poll") { request, _ in try await poll(request) }
        router.post("/edr/actions") { request, _ in try await queue(request) }
        router.post("/edr/actions/{id}/result") { request, context in try await result(request, context) }
        router.get("/edr/actions/history") { request, _ in try await history(request) }
        router.get("/edr/endpoints") { request, _ in try await endpoints(request) }
    }

    // MARK: Agent side

    func register(_ request: Request) async throws -> Response {
        let body = try JSONObject(try await collectBody(request, limit: configuration.maxBodyBytes))
        let hostname = try body.requiredString("hostname")
        let os = try body.string("os") ?? "unknown"
        let kernel = try body.string("kernel") ?? "unknown"
        let ips = try body.strings("ips").compactMap { IPAddress.canonical($0) }
        let version = try body.string("agent_version") ?? "unknown"
        let time = now()
        let presentedToken = try body.string("token") ?? EDRTokens.token(in: request)

        if let proposed = try body.string("agent_id", maxLength: 64) {
            guard isValidAgentID(proposed) else {
                throw APIError.invalid("`agent_id` may hold only letters, digits, `.`, `_` and `-` (at most 64)")
            }
            if let existing = try await store.endpoint(agentID: proposed) {
                guard EDRTokens.matches(presentedToken, storedHash: existing.tokenHash) else {
                    throw APIError(
                        .conflict, "agent_id_taken",
                        "`agent_id` \(proposed) is registered to another agent; send its token or omit `agent_id`")
                }
                var updated = existing
                updated.hostname = hostname
                updated.os = os
                updated.kernel = kernel
                updated.ips = ips
                updated.agentVersion = version
                updated.lastSeen = time
                try await store.updateEndpoint(updated)
                try await audit("edr_agent_registered", agentID: proposed, host: hostname, ["new": .bool(false)])
                return registered(agentID: proposed, token: presentedToken!, new: false)
            }
        }
        let token = EDRTokens.generate()
        var agentID = try body.string("agent_id", maxLength: 64) ?? UUID().uuidString.lowercased()
        let endpoint = { (id: String) in
            Endpoint(
                agentID: id, tokenHash: EDRTokens.hash(token), hostname: hostname, os: os, kernel: kernel, ips: ips,
                agentVersion: version, registeredAt: time, lastSeen: time)
        }
        if !(try await store.insertEndpoint(endpoint(agentID))) {
            agentID = UUID().uuidString.lowercased()
            guard try await store.insertEndpoint(endpoint(agentID)) else {
                throw APIError(.conflict, "agent_id_taken", "could not allocate an agent id; retry")
            }
        }
        try await audit("edr_agent_registered", agentID: agentID, host: hostname, ["new": .bool(true)])
        return registered(agentID: agentID, token: token, new: true)
    }

    private func registered(agentID: String, token: String, new: Bool) -> Response {
        JSONBody.response(status: new ? .created : .ok) { body in
            body.object([
                ("agent_id", { $0.string(agentID) }),
                ("token", { $0.string(token) }),
                ("registered", { $0.raw(new ? "true" : "false") }),
                ("lease_seconds", { $0.raw(String(configuration.edrLeaseSeconds)) }),
            ])
        }
    }

    /// The endpoint that `agentID` names, after checking the request carries its token.
    func authenticatedEndpoint(_ agentID: String?, _ request: Request) async throws -> Endpoint {
        guard let agentID, !agentID.isEmpty else { throw APIError.invalid("`agent_id` is required") }
        guard let endpoint = try await store.endpoint(agentID: agentID) else {
            throw APIError(.notFound, "unknown_agent", "agent \(agentID) is not registered; POST /edr/register first")
        }
        let token = EDRTokens.token(in: request)
        guard EDRTokens.matches(token, storedHash: endpoint.tokenHash) else {
            throw APIError(
                .unauthorized, "invalid_agent_token",
                "the \(EDRTokens.header) header must carry the token this agent received at registration")
        }
        return endpoint
    }

    func telemetry(_ request: Request) async throws -> Response {
        let body = try JSONObject(try await collectBody(request, limit: configuration.maxBodyBytes))
        let endpoint = try await authenticatedEndpoint(try body.string("agent_id", maxLength: 64), request)
        guard case .array(let items)? = body.members["events"] else {
            throw APIError.invalid("`events` must be a list of telemetry items")
        }
        guard items.count <= Self.maxTelemetryItems else {
            throw APIError.invalid("a request may carry at most \(Self.maxTelemetryItems) telemetry items")
        }
        let time = now()
        var events: [Event] = []
        events.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .object(let members) = item else {
                throw APIError.invalid("`events[\(index)]` must be an object")
            }
            events.append(try TelemetryItem.event(members, index: index, endpoint: endpoint, receivedAt: time))
        }
        try await store.touchEndpoint(agentID: endpoint.agentID, at: time)
        let stored = events.isEmpty ? [] : try await pipeline.ingest(events)
        return JSONBody.response { body in
            body.object([
                ("count", { $0.raw(String(stored.count)) }),
                ("alerts", { $0.raw(String(stored.reduce(0) { $0 + $1.alerts.count })) }),
            ])
        }
    }

    func poll(_ request: Request) async throws -> Response {
        let parameters = QueryParameters(request)
        let endpoint = try await authenticatedEndpoint(parameters.string("agent_id"), request)
        let limit = try parameters.int("limit", in: 1...Self.maxActionsPerPoll, default: Self.maxActionsPerPoll)!
        let time = now()
        try await store.touchEndpoint(agentID: endpoint.agentID, at: time)
        let batch = try await store.leaseActions(
            agentID: endpoint.agentID, now: time, leaseDuration: TimeInterval(configuration.edrLeaseSeconds),
            limit: limit)
        try await audit(batch.expired, event: "edr_action_expired", host: endpoint.hostname)
        try await audit(batch.leased, event: "edr_action_leased", host: endpoint.hostname)
        return JSONBody.response { body in
            body.object([
                ("agent_id", { $0.string(endpoint.agentID) }),
                ("actions", { body in body.array(batch.leased) { $0.action($1) } }),
            ])
        }
    }

    func result(_ request: Request, _ context: SIEMRequestContext) async throws -> Response {
        guard let idText = context.parameters.get("id"), let id = Int64(idText), id > 0 else {
            throw APIError.invalid("the action id in the path must be a positive whole number")
        }
        let body = try JSONObject(try await collectBody(request, limit: configuration.maxBodyBytes))
        let statusText = try body.requiredString("status")
        guard let status = ActionStatus(rawValue: statusText), status.isFinal else {
            throw APIError.invalid("`status` must be one of succeeded, failed, refused, expired")
        }
        let output = body.members["output"].flatMap { $0 == .null ? nil : $0 }
        let error = try body.string("error", maxLength: 4096)
        var agentID = try body.string("agent_id", maxLength: 64)
        if agentID == nil {
            // The action names its agent; the token must still be that agent's.
            agentID = try await store.action(id: id)?.agentID
            guard agentID != nil else { throw APIError.notFound("no action \(id)") }
        }
        let endpoint = try await authenticatedEndpoint(agentID, request)
        let outcome = try await store.completeAction(
            id: id, agentID: endpoint.agentID, result: ActionResult(status: status, output: output, error: error),
            at: now())
        switch outcome {
        case .notFound:
            throw APIError.notFound("agent \(endpoint.agentID) has no action \(id)")
        case .alreadyFinal(let action):
            throw APIError(
                .conflict, "already_final", "action \(id) already finished with status \(action.status.rawValue)")
        case .completed(let action):
            try await audit([action], event: "edr_action_result", host: endpoint.hostname)
            return JSONBody.response { $0.action(action) }
        }
    }

    // MARK: Operator side

    func queue(_ request: Request) async throws -> Response {
        let body = try JSONObject(try await collectBody(request, limit: configuration.maxBodyBytes))
        let agentID = try body.requiredString("agent_id", maxLength: 64)
        let typeText = try body.requiredString("action_type")
        guard let type = ActionType(rawValue: typeText) else {
            throw APIError.invalid(
                "`action_type` must be one of \(ActionType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let requestedBy = try body.string("requested_by") ?? ""
        let expiresIn = try body.int("expires_in_seconds") ?? Int64(configuration.edrActionExpirySeconds)
        guard (1...604_800).contains(expiresIn) else {
            throw APIError.invalid("`expires_in_seconds` must be from 1 to 604800")
        }
        let params = try type.validate(
            try body.object("params") ?? [:], protectedIPs: ServerAddresses.protected(host: configuration.host))
        guard let endpoint = try await store.endpoint(agentID: agentID) else {
            throw APIError(.notFound, "unknown_agent", "agent \(agentID) is not registered")
        }
        if type.isDangerous && !allowsDangerous(requestedBy) {
            try await audit(
                "edr_action_refused", agentID: agentID, host: endpoint.hostname,
                [
                    "action_type": .string(type.rawValue), "requested_by": .string(requestedBy),
                    "params": .object(params), "reason": .string("requested_by not in EDR_DANGEROUS_ACTION_ALLOWLIST"),
                ])
            throw APIError(
                .forbidden, "not_allowed",
                "\(type.rawValue) is a dangerous action; `requested_by` must be listed in EDR_DANGEROUS_ACTION_ALLOWLIST"
            )
        }
        let time = now()
        let action = try await store.enqueue(
            NewAction(
                agentID: agentID, actionType: type.rawValue, params: params, requestedBy: requestedBy,
                createdAt: time, expiresAt: time.addingTimeInterval(TimeInterval(expiresIn))))
        try await audit([action], event: "edr_action_queued", host: endpoint.hostname)
        return JSONBody.response(status: .created) { $0.action(action) }
    }

    func allowsDangerous(_ requestedBy: String) -> Bool {
        let allowlist = configuration.edrDangerousActionAllowlist
        if allowlist.contains("*") { return true }
        return !requestedBy.isEmpty && allowlist.contains(requestedBy)
    }

    func history(_ request: Request) async throws -> Response {
        let parameters = QueryParameters(request)
        var query = ActionQuery(agentID: parameters.string("agent_id"), limit: try parameters.limit())
        if let text = parameters.string("status") {
            guard let status = ActionStatus(rawValue: text) else {
                throw APIError.invalid(
                    "`status` must be one of \(ActionStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.status = status
        }
        let expired = try await store.expireActions(now: now())
        try await audit(expired, event: "edr_action_expired", host: nil)
        let items = try await store.actions(query)
        return JSONBody.response { body in
            body.object([("items", { body in body.array(items) { $0.action($1) } })])
        }
    }

    func endpoints(_ request: Request) async throws -> Response {
        let limit = try QueryParameters(request).limit()
        let items = try await store.endpoints(limit: limit)
        let cutoff = now().addingTimeInterval(-TimeInterval(configuration.edrOfflineAfterSeconds))
        return JSONBody.response { body in
            body.object([("items", { body in body.array(items) { $0.endpoint($1, online: $1.lastSeen >= cutoff) } })])
        }
    }
}
