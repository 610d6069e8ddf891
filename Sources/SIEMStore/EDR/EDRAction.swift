import Foundation
import SIEMCore

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
