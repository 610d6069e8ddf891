import Foundation

/// One state change: who made it, when, from where, and what it was.
public struct AuditEntry: Sendable, Hashable {
    public typealias ID = Int64

    public var id: ID?
    public var at: Date
    /// The identity that made the change (`alice`, `api-key`, `anonymous`, …).
    public var actor: String
    /// Its role (`admin`, `analyst`, `agent`, `reader`), or nil without authentication.
    public var role: String?
    /// The client's address (canonical IP), when known.
    public var address: String?
    /// What was done, `METHOD /route/template` (`POST /mdr/incidents/{id}/notes`).
    public var action: String
    /// What it was done to: the request path (`/mdr/incidents/7/notes`).
    public var target: String
    /// The HTTP status of the answer.
    public var status: Int
    /// Extra facts (ids created, the query string, …).
    public var details: [String: JSONValue]

    public init(
        id: ID? = nil,
        at: Date,
        actor: String,
        role: String?,
        address: String?,
        action: String,
        target: String,
        status: Int,
        details: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.at = at
        self.actor = actor
        self.role = role
        self.address = address
        self.action = action
        self.target = target
        self.status = status
        self.details = details
    }
}
