import Foundation
import SIEMCore

/// A registered EDR endpoint. `tokenHash` is the SHA-256 (hex) of its token; the token itself is
/// never stored.
public struct Endpoint: Sendable, Hashable {
    public var agentID: String
    public var tokenHash: String
    public var hostname: String
    public var os: String
    public var kernel: String
    public var ips: [String]
    public var agentVersion: String
    public var registeredAt: Date
    public var lastSeen: Date
    public var isolated: Bool

    public init(
        agentID: String, tokenHash: String, hostname: String, os: String, kernel: String, ips: [String],
        agentVersion: String, registeredAt: Date, lastSeen: Date, isolated: Bool = false
    ) {
        self.agentID = agentID
        self.tokenHash = tokenHash
        self.hostname = hostname
        self.os = os
        self.kernel = kernel
        self.ips = ips
        self.agentVersion = agentVersion
        self.registeredAt = registeredAt
        self.lastSeen = lastSeen
        self.isolated = isolated
    }
}

/// Where a response action is in its life.
public enum ActionStatus: String, Sendable, CaseIterable {
    /// Waiting for its agent to poll.
    case queued
    /// Handed to the agent; re-offered when no result arrives before the lease ends.
    case leased
    case succeeded, failed, refused, expired

    /// Final states take no further result.
    public var isFinal: Bool { self != .queued && self != .leased }
}

/// A response action for one endpoint.
public struct EDRAction: Sendable, Hashable {
    public typealias ID = Int64
    public var id: ID
    public var agentID: String
    public var actionType: String
    public var params: [String: JSONValue]
    public var requestedBy: String
    public var status: ActionStatus
    public var createdAt: Date
    public var expiresAt: Date
    public var leasedAt: Date?
    public var leaseUntil: Date?
    public var attempts: Int
    public var completedAt: Date?
    public var output: JSONValue?
    public var error: String?
}

/// A new action to queue.
public struct NewAction: Sendable {
    public var agentID: String
    public var actionType: String
    public var params: [String: JSONValue]
    public var requestedBy: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(
        agentID: String, actionType: String, params: [String: JSONValue], requestedBy: String, createdAt: Date,
        expiresAt: Date
    ) {
        self.agentID = agentID
        self.actionType = actionType
        self.params = params
        self.requestedBy = requestedBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// What an agent reports for an action.
public struct ActionResult: Sendable {
    public var status: ActionStatus
    public var output: JSONValue?
    public var error: String?

    public init(status: ActionStatus, output: JSONValue?, error: String?) {
        self.status = status
        self.output = output
        self.error = error
    }
}

/// The outcome of recording a result.
public enum CompletionOutcome: Sendable {
    case completed(EDRAction)
    /// No such action for this agent.
    case notFound
    /// The action already has a final status (it is returned unchanged).
    case alreadyFinal(EDRAction)
}

/// What one poll hands out, and what it found expired on the way.
public struct LeaseBatch: Sendable {
    public var leased: [EDRAction]
    public var expired: [EDRAction]
}

/// Filters for the action history, newest first.
public struct ActionQuery: Sendable, Hashable {
    public var agentID: String?
    public var status: ActionStatus?
    public var limit: Int

    public init(agentID: String? = nil, status: ActionStatus? = nil, limit: Int = 100) {
        self.agentID = agentID
        self.status = status
        self.limit = limit
    }
}

/// Endpoints and the response-action queue.
public protocol EDRStore: Sendable {
    /// Inserts a new endpoint; false when `agentID` is already taken.
    func insertEndpoint(_ endpoint: Endpoint) async throws -> Bool
    /// Updates what an endpoint reports about itself on re-registration (not its token).
    func updateEndpoint(_ endpoint: Endpoint) async throws
    func endpoint(agentID: String) async throws -> Endpoint?
    /// Most recently seen first.
    func endpoints(limit: Int) async throws -> [Endpoint]
    func touchEndpoint(agentID: String, at time: Date) async throws
    func enqueue(_ action: NewAction) async throws -> EDRAction
    /// Expires what is due, then leases up to `limit` open actions of `agentID` (queued, or leased
    /// with an ended lease) until `now + leaseDuration`, oldest first.
    func leaseActions(agentID: String, now: Date, leaseDuration: TimeInterval, limit: Int) async throws -> LeaseBatch
    /// Records the result of an action of `agentID`; a final result for isolation updates the endpoint.
    func completeAction(id: EDRAction.ID, agentID: String, result: ActionResult, at time: Date) async throws
        -> CompletionOutcome
    /// Marks every queued or leased action whose expiry has passed as expired; returns them.
    func expireActions(now: Date) async throws -> [EDRAction]
    func actions(_ query: ActionQuery) async throws -> [EDRAction]
    func action(id: EDRAction.ID) async throws -> EDRAction?
}
