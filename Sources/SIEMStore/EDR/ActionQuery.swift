import Foundation
import SIEMCore

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
