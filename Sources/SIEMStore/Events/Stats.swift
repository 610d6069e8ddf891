import Foundation
import SIEMCore

/// Totals kept by the store.
public struct StoreCounts: Sendable, Hashable {
    public var events: Int
    public var alerts: Int
}

/// A key with a count (`sshd`: 42).
public struct Bucket: Sendable, Hashable {
    public var key: String
    public var count: Int
    public init(key: String, count: Int) {
        self.key = key
        self.count = count
    }
}

/// Activity over a time window, for `/stats` and the dashboard.
public struct Stats: Sendable, Hashable {
    public var since: Date
    /// Per hour, oldest first, keyed by the hour's start (RFC 3339).
    public var eventsPerHour: [Bucket]
    public var alertsPerHour: [Bucket]
    public var eventsBySource: [Bucket]
    public var topHosts: [Bucket]
    public var topRules: [Bucket]
    public var alertsBySeverity: [Bucket]
    public var events: Int
    public var alerts: Int
}

/// Events over time: `counts[i]` events fell in `[since + i * interval, since + (i + 1) * interval)`.
public struct Histogram: Sendable, Hashable {
    public var since: Date
    public var until: Date
    /// The width of one bucket in seconds.
    public var interval: TimeInterval
    public var counts: [Int]

    public init(since: Date, until: Date, interval: TimeInterval, counts: [Int]) {
        self.since = since
        self.until = until
        self.interval = interval
        self.counts = counts
    }
}
