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
    func counts() async throws -> StoreCounts
    /// Checks the database answers a query.
    func ping() async throws
    func stats(since: Date) async throws -> Stats
    /// Counts of the events matching `query` (its `since` and `until` bound the range, its cursor
    /// and limit are ignored) in `buckets` equal intervals, oldest first, empty ones included.
    func histogram(_ query: EventQuery, buckets: Int) async throws -> Histogram
    /// Commits what is queued and stops accepting writes.
    func close() async
}
