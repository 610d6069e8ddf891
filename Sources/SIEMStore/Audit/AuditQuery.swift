import Foundation
import SIEMCore

/// Filters for listing the audit log; every set filter must hold.
public struct AuditQuery: Sendable, Hashable {
    public var limit: Int
    public var cursor: AuditEntry.ID?
    /// Exactly this actor.
    public var actor: String?
    /// Exactly this action (`POST /iocs`).
    public var action: String?
    /// Entries at or after this time.
    public var since: Date?
    /// Entries before this time.
    public var until: Date?

    public init(
        limit: Int = 100, cursor: AuditEntry.ID? = nil, actor: String? = nil, action: String? = nil,
        since: Date? = nil, until: Date? = nil
    ) {
        self.limit = limit
        self.cursor = cursor
        self.actor = actor
        self.action = action
        self.since = since
        self.until = until
    }
}
