import Foundation
import SIEMCore

/// Durable storage of events and alerts. Implementations pass `EventStoreContract` tests.
public protocol EventStore: Sendable {
    /// Stores the events and their alerts atomically; returns them with ids assigned, after commit.
    /// An event whose `stream` position starts below what its stream has committed was stored
    /// before: it is dropped (not returned), and the stream's offset advances with the others, in the
    /// same transaction.
    func insert(_ writes: [EventWrite]) async throws -> [EventWrite]
    func events(_ query: EventQuery) async throws -> Page<Event>
    func event(id: Event.ID) async throws -> Event?
    func events(ids: [Event.ID]) async throws -> [Event.ID: Event]
    func alerts(_ query: AlertQuery) async throws -> Page<Alert>
    func alert(id: Alert.ID) async throws -> Alert?
    /// Every event behind an alert (the evidence of a threshold or correlation alert, the
    /// repeats suppression folded into it), newest first.
    func alertEvents(id: Alert.ID, limit: Int, cursor: Event.ID?) async throws -> Page<Event>
    /// The ids of the alerts `query` selects (limit and cursor ignored), newest first, at most `cap`.
    func alertIDs(_ query: AlertQuery, cap: Int) async throws -> [Alert.ID]
    /// Sets the triage state of alerts `ids` in one transaction; returns the ids that name an alert.
    func triage(ids: [Alert.ID], _ change: AlertTriage, at time: Date) async throws -> [Alert.ID]
    /// Runs `detector` inside every ingest transaction, after restoring the state it left.
    func attach(_ detector: any CommitDetector) async throws
    func counts() async throws -> StoreCounts
    /// Checks the database answers a query.
    func ping() async throws
    func stats(since: Date) async throws -> Stats
    /// Counts of the events matching `query` (its `since` and `until` bound the range, its cursor
    /// and limit are ignored) in `buckets` equal intervals, oldest first, empty ones included.
    func histogram(_ query: EventQuery, buckets: Int) async throws -> Histogram
    /// Commits what is queued, makes every committed event searchable, and stops accepting writes.
    func close() async
    /// Where the search indexes stand: how far behind the newest committed event they are.
    func indexStatus() async -> IndexStatus
    /// Waits until searches see every event committed before the call, at most `timeout`; false
    /// when the time ran out first.
    func waitForIndex(timeout: Duration) async -> Bool
    /// Alerts summed per rule, or per rule and group values, over a window of the time they were
    /// raised: counts per status, the events they stand for, and alerts per sparkline bucket.
    func alertGroups(_ query: AlertGroupQuery) async throws -> [AlertGroup]
    /// The distinct tag sets of the alerts `query` selects among those raised from its `since`
    /// (default a day before `until`) to `until`, with how many alerts carry each.
    func alertTagSets(_ query: AlertQuery, until: Date) async throws -> [AlertTagSet]
}
