import Foundation
import SIEMCore

/// The audit log: append-only (there is no update or delete).
public protocol AuditStore: Sendable {
    /// Appends the entries in one transaction; returns them with ids.
    func record(_ entries: [AuditEntry]) async throws -> [AuditEntry]
    /// Newest first, filtered, cursor-paged like every listing.
    func audit(_ query: AuditQuery) async throws -> Page<AuditEntry>
}
