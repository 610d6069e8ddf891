import Foundation
import SIEMCore

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
