import Foundation
import SIEMCore
import SIEMStore

/// The EDR rules: who an agent is (registration and its token), what it reports (telemetry into
/// the pipeline), which response actions may be queued for it and by whom, and the lease and
/// expiry of those actions. Every change to the queue is also an audit event in the pipeline.
public struct EDRService: Sendable {
    /// The EDR settings (`EDR_*` variables).
    public struct Configuration: Sendable {
        /// `requested_by` values allowed to queue dangerous actions; `*` allows everyone.
        public var dangerousActionAllowlist: [String] = []
        public var leaseSeconds = 120
        public var actionExpirySeconds = 3600
        public var offlineAfterSeconds = 120
        /// The address siemd listens on: it (or, on a wildcard, every interface address) may never
        /// be blocked. Read at each request, so interfaces added later are protected too.
        public var serverHost = "127.0.0.1"

        public init() {}
    }

    /// What an agent says about itself when it registers.
    public struct Registration: Sendable {
        public var hostname: String
        public var os: String
        public var kernel: String
        public var ips: [String]
        public var agentVersion: String
        /// The id it asks for (it had one before); nil gets a new one.
        public var agentID: String?

        public init(hostname: String, os: String, kernel: String, ips: [String], agentVersion: String, agentID: String?)
        {
            self.hostname = hostname
            self.os = os
            self.kernel = kernel
            self.ips = ips
            self.agentVersion = agentVersion
            self.agentID = agentID
        }
    }

    /// The identity a registration hands out; `token` is shown only here.
    public struct Registered: Sendable {
        public var agentID: String
        public var token: String
        public var new: Bool
    }

    /// An operator's request for a response action.
    public struct ActionRequest: Sendable {
        public var agentID: String
        public var type: ActionType
        public var params: [String: JSONValue]
        public var requestedBy: String
        public var expiresInSeconds: Int64?

        public init(
            agentID: String, type: ActionType, params: [String: JSONValue], requestedBy: String,
            expiresInSeconds: Int64?
        ) {
            self.agentID = agentID
            self.type = type
            self.params = params
            self.requestedBy = requestedBy
            self.expiresInSeconds = expiresInSeconds
        }
    }

    /// The most telemetry items one request may carry.
    public static let maxTelemetryItems = 5000
    public static let maxActionsPerPoll = 20
    static let auditSource = "edr_audit"

    public let store: any EDRStore
    public let pipeline: Pipeline
    public let configuration: Configuration
    let now: @Sendable () -> Date

    public init(
        store: any EDRStore, pipeline: Pipeline, configuration: Configuration,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.pipeline = pipeline
        self.configuration = configuration
        self.now = now
    }

    // MARK: Agent side

    /// Registers a new agent, or updates a known one that presents its token.
    public func register(_ registration: Registration, token presentedToken: String?) async throws -> Registered {
        let time = now()
        if let proposed = registration.agentID {
            guard Self.isValidAgentID(proposed) else {
                throw InvalidInput("`agent_id` may hold only letters, digits, `.`, `_` and `-` (at most 64)")
            }
            if let existing = try await store.endpoint(agentID: proposed) {
                guard EDRTokens.matches(presentedToken, storedHash: existing.tokenHash) else {
                    throw ServiceError.conflict(
                        code: "agent_id_taken",
                        detail:
                            "`agent_id` \(proposed) is registered to another agent; send its token or omit `agent_id`")
                }
                var updated = existing
                updated.hostname = registration.hostname
                updated.os = registration.os
                updated.kernel = registration.kernel
                updated.ips = registration.ips
                updated.agentVersion = registration.agentVersion
                updated.lastSeen = time
                try await store.updateEndpoint(updated)
                try await audit(
                    "edr_agent_registered", agentID: proposed, host: registration.hostname, ["new": .bool(false)])
                return Registered(agentID: proposed, token: presentedToken!, new: false)
            }
        }
        let token = EDRTokens.generate()
        var agentID = registration.agentID ?? UUID().uuidString.lowercased()
        let endpoint = { (id: String) in
            Endpoint(
                agentID: id, tokenHash: EDRTokens.hash(token), hostname: registration.hostname, os: registration.os,
                kernel: registration.kernel, ips: registration.ips, agentVersion: registration.agentVersion,
                registeredAt: time, lastSeen: time)
        }
        if !(try await store.insertEndpoint(endpoint(agentID))) {
            agentID = UUID().uuidString.lowercased()
            guard try await store.insertEndpoint(endpoint(agentID)) else {
                throw ServiceError.conflict(code: "agent_id_taken", detail: "could not allocate an agent id; retry")
            }
        }
        try await audit("edr_agent_registered", agentID: agentID, host: registration.hostname, ["new": .bool(true)])
        return Registered(agentID: agentID, token: token, new: true)
    }

    /// The endpoint that `agentID` names, after checking `token` is the one it received.
    public func authenticate(agentID: String?, token: String?) async throws -> Endpoint {
        guard let agentID, !agentID.isEmpty else { throw InvalidInput("`agent_id` is required") }
        guard let endpoint = try await store.endpoint(agentID: agentID) else {
            throw ServiceError.notFound(
                code: "unknown_agent", detail: "agent \(agentID) is not registered; POST /edr/register first")
        }
        guard EDRTokens.matches(token, storedHash: endpoint.tokenHash) else {
            throw ServiceError.unauthorized(
                code: "invalid_agent_token",
                detail: "the \(EDRTokens.header) header must carry the token this agent received at registration")
        }
        return endpoint
    }

    /// Stores an agent's telemetry items as events (`source = "edr"`) through the pipeline.
    public func telemetry(agentID: String?, token: String?, events list: JSONValue?) async throws -> [EventWrite] {
        let endpoint = try await authenticate(agentID: agentID, token: token)
        guard case .array(let items)? = list else {
            throw InvalidInput("`events` must be a list of telemetry items")
        }
        guard items.count <= Self.maxTelemetryItems else {
            throw InvalidInput("a request may carry at most \(Self.maxTelemetryItems) telemetry items")
        }
        let time = now()
        var events: [Event] = []
        events.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .object(let members) = item else {
                throw InvalidInput("`events[\(index)]` must be an object")
            }
            events.append(try TelemetryItem.event(members, index: index, endpoint: endpoint, receivedAt: time))
        }
        try await store.touchEndpoint(agentID: endpoint.agentID, at: time)
        return events.isEmpty ? [] : try await pipeline.ingest(events)
    }

    /// Leases up to `limit` open actions to the agent (and audits what expired on the way).
    public func poll(agentID: String?, token: String?, limit: Int) async throws -> (Endpoint, [EDRAction]) {
        let endpoint = try await authenticate(agentID: agentID, token: token)
        let time = now()
        try await store.touchEndpoint(agentID: endpoint.agentID, at: time)
        let batch = try await store.leaseActions(
            agentID: endpoint.agentID, now: time, leaseDuration: TimeInterval(configuration.leaseSeconds),
            limit: limit)
        try await audit(batch.expired, event: "edr_action_expired", host: endpoint.hostname)
        try await audit(batch.leased, event: "edr_action_leased", host: endpoint.hostname)
        return (endpoint, batch.leased)
    }

    /// Records an agent's result for action `id`; without `agentID` the action names its agent
    /// (the token must still be that agent's).
    public func complete(
        actionID id: EDRAction.ID, agentID: String?, token: String?, result: ActionResult
    ) async throws -> EDRAction {
        guard result.status.isFinal else {
            throw InvalidInput("`status` must be one of succeeded, failed, refused, expired")
        }
        var agentID = agentID
        if agentID == nil {
            agentID = try await store.action(id: id)?.agentID
            guard agentID != nil else { throw ServiceError.notFound("no action \(id)") }
        }
        let endpoint = try await authenticate(agentID: agentID, token: token)
        switch try await store.completeAction(id: id, agentID: endpoint.agentID, result: result, at: now()) {
        case .notFound:
            throw ServiceError.notFound("agent \(endpoint.agentID) has no action \(id)")
        case .alreadyFinal(let action):
            throw ServiceError.conflict(
                code: "already_final", detail: "action \(id) already finished with status \(action.status.rawValue)")
        case .completed(let action):
            try await audit([action], event: "edr_action_result", host: endpoint.hostname)
            return action
        }
    }

    // MARK: Operator side

    /// Queues a response action: parameters checked, dangerous actions only for allowlisted
    /// requesters (a refusal is audited too).
    public func queue(_ request: ActionRequest) async throws -> EDRAction {
        let expiresIn = request.expiresInSeconds ?? Int64(configuration.actionExpirySeconds)
        guard (1...604_800).contains(expiresIn) else {
            throw InvalidInput("`expires_in_seconds` must be from 1 to 604800")
        }
        let params = try request.type.validate(
            request.params, protectedIPs: ServerAddresses.protected(host: configuration.serverHost))
        guard let endpoint = try await store.endpoint(agentID: request.agentID) else {
            throw ServiceError.notFound(code: "unknown_agent", detail: "agent \(request.agentID) is not registered")
        }
        if request.type.isDangerous && !allowsDangerous(request.requestedBy) {
            try await audit(
                "edr_action_refused", agentID: request.agentID, host: endpoint.hostname,
                [
                    "action_type": .string(request.type.rawValue), "requested_by": .string(request.requestedBy),
                    "params": .object(params), "reason": .string("requested_by not in EDR_DANGEROUS_ACTION_ALLOWLIST"),
                ])
            throw ServiceError.forbidden(
                code: "not_allowed",
                detail:
                    "\(request.type.rawValue) is a dangerous action; `requested_by` must be listed in EDR_DANGEROUS_ACTION_ALLOWLIST"
            )
        }
        let time = now()
        let action = try await store.enqueue(
            NewAction(
                agentID: request.agentID, actionType: request.type.rawValue, params: params,
                requestedBy: request.requestedBy, createdAt: time,
                expiresAt: time.addingTimeInterval(TimeInterval(expiresIn))))
        try await audit([action], event: "edr_action_queued", host: endpoint.hostname)
        return action
    }

    public func allowsDangerous(_ requestedBy: String) -> Bool {
        let allowlist = configuration.dangerousActionAllowlist
        if allowlist.contains("*") { return true }
        return !requestedBy.isEmpty && allowlist.contains(requestedBy)
    }

    /// The action history, newest first, after expiring what is due.
    public func history(_ query: ActionQuery) async throws -> [EDRAction] {
        let expired = try await store.expireActions(now: now())
        try await audit(expired, event: "edr_action_expired", host: nil)
        return try await store.actions(query)
    }

    /// Endpoints, most recently seen first, each with whether it is online.
    public func endpoints(limit: Int) async throws -> [(endpoint: Endpoint, online: Bool)] {
        let cutoff = now().addingTimeInterval(-TimeInterval(configuration.offlineAfterSeconds))
        return try await store.endpoints(limit: limit).map { ($0, $0.lastSeen >= cutoff) }
    }

    /// Agent identifiers are short and printable: letters, digits, `.`, `_`, `-`.
    public static func isValidAgentID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2E
                    || $0 == 0x5F || $0 == 0x2D
            }
    }
}
