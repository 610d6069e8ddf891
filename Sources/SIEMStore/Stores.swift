/// Every store siemd uses, each a capability protocol; the application receives this one value
/// and never asks a store what else it can do. Backends fill it from one database
/// (`Stores.sqlite(path:)`); `close()` commits what is queued and closes that database.
public struct Stores: Sendable {
    public var events: any EventStore
    public var iocs: any IOCStore
    public var incidents: any IncidentStore
    public var edr: any EDRStore
    public var audit: any AuditStore

    public init(
        events: any EventStore, iocs: any IOCStore, incidents: any IncidentStore, edr: any EDRStore,
        audit: any AuditStore
    ) {
        self.events = events
        self.iocs = iocs
        self.incidents = incidents
        self.edr = edr
        self.audit = audit
    }

    /// Commits what is queued and stops accepting writes (the stores share one database).
    public func close() async {
        await events.close()
    }
}
