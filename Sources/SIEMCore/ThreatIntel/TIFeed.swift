import Foundation

/// A threat-intel feed siemd fetches and refreshes: from `SIEM_TI_FEEDS` or added through the API.
/// Its IOCs carry its `source`; those it no longer lists stop matching.
public struct TIFeed: Sendable, Hashable {
    public typealias ID = Int64

    /// Where the feed was defined.
    public enum Origin: String, Sendable, Hashable, CaseIterable {
        /// `SIEM_TI_FEEDS`: added and removed with the variable.
        case configuration = "config"
        /// `POST /ti/feeds`.
        case api
    }

    public var id: ID?
    /// As given, credentials included: never logged or shown (see `displayURL`).
    public var url: String
    public var options: FeedOptions
    public var origin: Origin
    /// The identity that added it (`siemd:config` for `SIEM_TI_FEEDS`).
    public var createdBy: String
    public var createdAt: Date
    public var state: FeedState

    public init(
        id: ID? = nil, url: String, options: FeedOptions = FeedOptions(), origin: Origin, createdBy: String,
        createdAt: Date, state: FeedState = FeedState()
    ) {
        self.id = id
        self.url = url
        self.options = options
        self.origin = origin
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.state = state
    }

    /// What makes two feeds the same: the URL and the options that change what is read.
    public var key: String { url + "#" + options.readingText }

    /// The `source` of its IOCs.
    public var source: String { options.name ?? FeedURL.defaultName(url) }

    /// The URL without credentials or query values.
    public var displayURL: String { FeedURL.redacted(url) }

    /// Whether it is read as a TAXII collection (by its options, else by its path).
    public var isTAXII: Bool { options.format == .taxii || (options.format == nil && FeedURL.isTAXII(url)) }

    /// Seconds between refreshes, `fallback` unless the feed sets its own.
    public func interval(default fallback: Int) -> Int { options.interval ?? fallback }

    /// When it is next due, `fallback` seconds after the last attempt unless it sets its own.
    public func nextRefresh(default fallback: Int) -> Date? {
        state.lastAttemptAt.map { $0.addingTimeInterval(Double(interval(default: fallback))) }
    }
}

/// What siemd remembers of a feed's fetches.
public struct FeedState: Sendable, Hashable {
    /// Validators of the last full answer, sent back as `If-None-Match` / `If-Modified-Since`.
    public var etag: String?
    public var lastModified: String?
    /// TAXII: the `added_after` of the next refresh (the last `X-TAXII-Date-Added-Last`).
    public var addedAfter: String?
    public var lastAttemptAt: Date?
    public var lastSuccessAt: Date?
    /// The problem of the last attempt; nil when it succeeded.
    public var lastError: String?
    /// How many IOCs the feed lists now.
    public var iocCount: Int
    /// What the last successful refresh did.
    public var lastResult: FeedResult?

    public init(
        etag: String? = nil, lastModified: String? = nil, addedAfter: String? = nil, lastAttemptAt: Date? = nil,
        lastSuccessAt: Date? = nil, lastError: String? = nil, iocCount: Int = 0, lastResult: FeedResult? = nil
    ) {
        self.etag = etag
        self.lastModified = lastModified
        self.addedAfter = addedAfter
        self.lastAttemptAt = lastAttemptAt
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.iocCount = iocCount
        self.lastResult = lastResult
    }
}

/// What one refresh did to the IOCs.
public struct FeedResult: Sendable, Hashable {
    /// The server answered 304 (or TAXII had nothing new): nothing changed.
    public var notModified: Bool
    /// IOCs created, and existing ones whose source, note, severity or expiry changed.
    public var added: Int
    public var updated: Int
    /// IOCs the feed no longer lists that were deleted (never matched) or expired (had hits, kept
    /// for their history); those another feed or a person also lists stay.
    public var removed: Int
    public var expired: Int
    public var rejected: Int
    public var skipped: Int

    public init(
        notModified: Bool = false, added: Int = 0, updated: Int = 0, removed: Int = 0, expired: Int = 0,
        rejected: Int = 0, skipped: Int = 0
    ) {
        self.notModified = notModified
        self.added = added
        self.updated = updated
        self.removed = removed
        self.expired = expired
        self.rejected = rejected
        self.skipped = skipped
    }

    /// Whether the IOCs changed (the matching snapshot must be rebuilt).
    public var changedIOCs: Bool { added + updated + removed + expired > 0 }
}
