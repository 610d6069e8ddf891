import Foundation
import SIEMCore

/// Filters for listing IOCs; every set filter must hold.
public struct IOCQuery: Sendable, Hashable {
    public var limit: Int
    public var cursor: IOC.ID?
    public var type: IOCType?
    /// The canonical value.
    public var value: String?
    public var source: String?

    public init(
        limit: Int = 100, cursor: IOC.ID? = nil, type: IOCType? = nil, value: String? = nil, source: String? = nil
    ) {
        self.limit = limit
        self.cursor = cursor
        self.type = type
        self.value = value
        self.source = source
    }
}

/// An IOC as stored, and whether this write created it (false: an existing one was updated).
public struct IOCUpsert: Sendable, Hashable {
    public var ioc: IOC
    public var created: Bool
}

/// Storage of threat-intel indicators. Hit counts are kept by the event insert that raises
/// `ti_*` alerts, in the same transaction.
public protocol IOCStore: Sendable {
    /// Adds the IOCs, or updates source, note, severity and expiry of those with the same type and value.
    func upsert(_ iocs: [IOC]) async throws -> [IOCUpsert]
    func iocs(_ query: IOCQuery) async throws -> Page<IOC>
    func ioc(id: IOC.ID) async throws -> IOC?
    /// Removes the IOC; false when there was none with that id.
    func deleteIOC(id: IOC.ID) async throws -> Bool
    /// Every IOC not expired at `time`, for the matching snapshot.
    func activeIOCs(at time: Date) async throws -> [IOC]
    /// Stores alerts raised later for already stored events (retro-hunt), skipping an alert when
    /// the event already has one for the same rule and IOC; returns those stored, with ids.
    func insertRetroAlerts(_ alerts: [Alert]) async throws -> [Alert]
}
