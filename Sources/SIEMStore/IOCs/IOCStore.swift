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

    // MARK: Feeds

    /// Every feed, oldest first.
    func feeds() async throws -> [TIFeed]
    func feed(id: TIFeed.ID) async throws -> TIFeed?
    /// Adds the feed; nil when one with the same `key` exists.
    func addFeed(_ feed: TIFeed) async throws -> TIFeed?
    /// Replaces the options that do not change what is read (interval, severity, name).
    func updateFeedOptions(id: TIFeed.ID, _ options: FeedOptions) async throws
    func updateFeedState(id: TIFeed.ID, _ state: FeedState) async throws
    /// Applies what the feed lists now. With `replace`, `iocs` is the whole list and IOCs it listed
    /// before but not now are dropped; otherwise `iocs` are added and `withdrawn` dropped. IOCs the
    /// feed owns get its values; others it lists are left as they are (a person's IOC, another
    /// feed's). A dropped IOC the feed owned passes to another feed that lists it, else is deleted
    /// (no hits) or expires at `time` (hits: kept for their history). Counts what changed.
    func syncFeed(
        id: TIFeed.ID, iocs: [IOC], withdrawn: [IOCKey], replace: Bool, at time: Date
    ) async throws -> FeedSync
    /// Drops every IOC of the feed (as in `syncFeed`) and deletes it; nil when there is none.
    func deleteFeed(id: TIFeed.ID, at time: Date) async throws -> FeedSync?
}

/// What `syncFeed` changed, and how many IOCs the feed lists afterwards.
public struct FeedSync: Sendable, Hashable {
    public var added = 0
    public var updated = 0
    public var removed = 0
    public var expired = 0
    public var listed = 0

    public init() {}
}
