import Foundation
import SIEMCore
import Synchronization

/// How the search indexes (`events_fts` for the text, `event_keys` for the filters) follow the
/// events table.
public enum IndexMode: Sendable, Hashable {
    /// In the ingest transaction: a search sees an event as soon as its ingest call returns.
    case inline
    /// Near-real-time, as Elasticsearch does with its refresh interval: an event is acknowledged
    /// once its row is committed, and a background indexer fills the indexes from the committed
    /// rows in large batches, at most about `lag` behind. Durability is unchanged; searches and
    /// filters see every event older than the lag (`EventStore.waitForIndex` waits for the rest).
    case background(lag: Duration)
}

extension IndexMode: CustomStringConvertible {
    /// `inline`, or `background` with the lag (`background 1s`).
    public var description: String {
        switch self {
        case .inline:
            return "inline"
        case .background(let lag):
            let milliseconds = Int64(lag / .milliseconds(1))
            return milliseconds % 1000 == 0 ? "background \(milliseconds / 1000)s" : "background \(milliseconds)ms"
        }
    }
}

/// Where the search indexes stand (`GET /health`, `/metrics`).
public struct IndexStatus: Sendable, Hashable {
    public var mode: IndexMode
    /// Every event with an id up to this one is searchable.
    public var indexedID: Int64
    /// The newest committed event.
    public var newestID: Int64
    /// Age of the oldest committed event searches do not see yet (zero when none).
    public var lag: Duration
    /// Events indexed by the background indexer since the store opened.
    public var indexedEvents: Int
    /// The 99th percentile and the maximum of the time from commit to searchable, over the
    /// events the background indexer indexed since the store opened.
    public var lagP99: Duration
    public var lagMax: Duration
    /// Why the last batch failed, until one succeeds (the indexer tries again at its next tick).
    public var lastError: String?

    /// Committed events searches do not see yet.
    public var pending: Int64 { max(0, newestID - indexedID) }

    public init(
        mode: IndexMode, indexedID: Int64, newestID: Int64, lag: Duration = .zero, indexedEvents: Int = 0,
        lagP99: Duration = .zero, lagMax: Duration = .zero, lastError: String? = nil
    ) {
        self.mode = mode
        self.indexedID = indexedID
        self.newestID = newestID
        self.lag = lag
        self.indexedEvents = indexedEvents
        self.lagP99 = lagP99
        self.lagMax = lagMax
        self.lastError = lastError
    }
}

/// The search-index entry of one event: what `events_fts` and `event_keys` get for it.
struct IndexEntry: Sendable {
    var message: String
    var fieldText: String
    var keys: String

    init(message: String, fieldText: String, keys: String) {
        self.message = message
        self.fieldText = fieldText
        self.keys = keys
    }

    /// The entry of a stored event (after a restart, for events whose entries were not in memory).
    init(_ event: Event) {
        self.init(
            message: event.message, fieldText: EventRows.fieldText(of: event.fields), keys: EventKeys.tokens(for: event)
        )
    }

    /// Adds the entry for event `id` to both indexes (in the caller's transaction).
    func insert(id: Int64, on connection: SQLiteConnection) throws {
        try connection.prepare("INSERT INTO event_keys(rowid, k) VALUES(?,?)").run([.int(id), .text(keys)])
        try connection.prepare("INSERT INTO events_fts(rowid, message, fields) VALUES(?,?,?)")
            .run([.int(id), .text(message), .text(fieldText)])
    }
}

/// Fills the search indexes from the committed events, in id order, and records how far it got in
/// `index_state` in the same transaction, so that after a crash (even `kill -9`) it resumes from
/// the last indexed id and indexes nothing twice.
///
/// The entries of the events this process committed wait in memory (encoded once, on the ingest
/// caller's task); an event whose entry is not there (committed before a restart) is read back
/// from its row. Each batch is one job of the shared writer, so it commits with the ingest jobs
/// queued beside it; a batch is at most `batchSize` events so an ingest call never waits long
/// behind one.
final class EventIndexer: Sendable {
    let mode: IndexMode
    private let writer: SQLiteWriter
    private let batchSize = 4000
    /// Entries kept in memory at most; beyond it an entry is dropped and read back from its row.
    private let memoryCap = 400_000

    private struct State {
        var pending: [Int64: IndexEntry] = [:]
        /// Commit time of each pending id, oldest first (ids commit in increasing order).
        var committedAt: [(id: Int64, at: ContinuousClock.Instant)] = []
        var committedHead = 0
        var indexedID: Int64 = 0
        var newestID: Int64 = 0
        /// The newest event committed before this process opened the store, and when the open was
        /// (the commit time those events count from).
        var newestAtOpen: Int64 = 0
        var opened = ContinuousClock.now
        var indexedEvents = 0
        /// Events indexed per lag bucket of `lagBucketWidth`, the last bucket open-ended.
        var lagBuckets = [Int](repeating: 0, count: 400)
        var lagMax = Duration.zero
        var flushRequested = false
        var closed = false
        var failure: String?
    }

    private static let lagBucketWidth = Duration.milliseconds(25)
    private let state = Mutex(State())
    private let loop = Mutex<Task<Void, Never>?>(nil)

    init(mode: IndexMode, writer: SQLiteWriter, indexedID: Int64, newestID: Int64) {
        self.mode = mode
        self.writer = writer
        state.withLock {
            $0.indexedID = indexedID
            $0.newestID = newestID
            $0.newestAtOpen = newestID
        }
    }

    /// Starts the background loop (or, inline, indexes what an earlier background run left).
    func start() {
        let task = Task.detached { [self] in
            switch mode {
            case .inline: _ = await indexBatches()
            case .background(let lag): await run(lag: lag)
            }
        }
        loop.withLock { $0 = task }
    }

    /// Records events just committed by this process (their entries, when not indexed inline).
    func committed(_ entries: [(id: Int64, entry: IndexEntry?)]) {
        guard let newest = entries.last?.id else { return }
        let now = ContinuousClock.now
        state.withLock { state in
            state.newestID = max(state.newestID, newest)
            guard case .background = mode else {
                state.indexedID = max(state.indexedID, newest)
                return
            }
            for (id, entry) in entries where id > state.indexedID {
                if let entry, state.pending.count < memoryCap { state.pending[id] = entry }
                state.committedAt.append((id, now))
            }
        }
    }

    var status: IndexStatus {
        state.withLock { state in
            var lag = Duration.zero
            if state.newestID > state.indexedID {
                let head = state.committedHead < state.committedAt.count ? state.committedAt[state.committedHead] : nil
                // Events committed before the open date from the open.
                let oldest = state.indexedID < state.newestAtOpen ? state.opened : (head?.at ?? state.opened)
                lag = ContinuousClock.now - oldest
            }
            let total = state.lagBuckets.reduce(0, +)
            var p99 = Duration.zero
            if total > 0 {
                var seen = 0
                let rank = Int((Double(total) * 0.99).rounded(.up))
                for (index, count) in state.lagBuckets.enumerated() {
                    seen += count
                    if seen >= rank {
                        p99 = Self.lagBucketWidth * (index + 1)
                        break
                    }
                }
                p99 = min(p99, state.lagMax)
            }
            return IndexStatus(
                mode: mode, indexedID: state.indexedID, newestID: state.newestID, lag: lag,
                indexedEvents: state.indexedEvents, lagP99: p99, lagMax: state.lagMax, lastError: state.failure)
        }
    }

    /// Waits until every event committed before the call is searchable, at most `timeout`.
    func waitForIndex(timeout: Duration) async -> Bool {
        let target = state.withLock { state in
            state.flushRequested = true
            return state.newestID
        }
        let deadline = ContinuousClock.now + timeout
        while state.withLock({ $0.indexedID < target && !$0.closed }) {
            guard ContinuousClock.now < deadline else { return false }
            state.withLock { $0.flushRequested = true }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return state.withLock { $0.indexedID >= target }
    }

    /// Indexes everything committed so far, then stops the loop (before the writer closes).
    func close() async {
        let task = loop.withLock { $0 }
        state.withLock { $0.closed = true }
        await task?.value
        _ = await indexBatches()
    }

    /// Inline mode, in the ingest job that wrote events `first...last` with their entries: first
    /// indexes what an earlier background run left between the watermark and `first`, then moves
    /// the watermark to `last`.
    static func advanceInline(first: Int64, last: Int64, on connection: SQLiteConnection) throws {
        let mark = try connection.scalar("SELECT indexed_id FROM index_state WHERE name = 'events'") ?? 0
        if mark < first - 1 {
            let read = try connection.prepare(
                "SELECT \(SQLiteEventStore.eventColumns) FROM events e WHERE e.id > ? AND e.id < ? ORDER BY e.id")
            try read.bind([.int(mark), .int(first)])
            var events: [Event] = []
            while try read.step() { events.append(try SQLiteEventStore.event(from: read)) }
            read.reset()
            for event in events { try IndexEntry(event).insert(id: event.id!, on: connection) }
        }
        try connection.prepare("UPDATE index_state SET indexed_id = ? WHERE name = 'events'").run([.int(last)])
    }

    // MARK: The loop

    private func run(lag: Duration) async {
        // Batches go out when the oldest pending event is half the lag old (so the other half
        // covers the batch itself and a busy writer), when a batch is full, or on request.
        let tick = min(.milliseconds(20), lag / 4)
        while !state.withLock({ $0.closed }) {
            let due = state.withLock { state -> Bool in
                guard state.newestID > state.indexedID || state.flushRequested else { return false }
                if state.flushRequested || state.pending.count >= batchSize { return true }
                let head = state.committedHead < state.committedAt.count ? state.committedAt[state.committedHead] : nil
                guard let head else { return true }  // only events from before the open
                return ContinuousClock.now - head.at + tick >= lag / 2
            }
            if due {
                if !(await indexBatches()) { try? await Task.sleep(for: .seconds(1)) }
            } else {
                try? await Task.sleep(for: tick)
            }
        }
    }

    /// Indexes every event committed before the call, batch by batch; false when a batch failed.
    @discardableResult
    private func indexBatches() async -> Bool {
        state.withLock { $0.flushRequested = false }
        while true {
            let target = state.withLock { $0.newestID }
            let done: Int64
            do {
                done = try await indexBatch()
            } catch {
                // A failed batch (the disk is full, say) is tried again a second later; once the
                // writer is closed there is nothing left to try.
                state.withLock { state in
                    state.failure = "\(error)"
                    if case StoreError.closed = error { state.closed = true }
                }
                return false
            }
            if done >= target || done == 0 { return true }
        }
    }

    /// Indexes up to `batchSize` events after the stored watermark; returns the new watermark
    /// (0 when there was nothing to index).
    private func indexBatch() async throws -> Int64 {
        let batchSize = self.batchSize
        let indexed = try await writer.write { [self] connection -> (last: Int64, ids: [Int64]) in
            // The watermark is read in the transaction: a job run again after a rollback starts
            // from what the database holds.
            let from = try connection.scalar("SELECT indexed_id FROM index_state WHERE name = 'events'") ?? 0
            let select = try connection.prepare("SELECT id FROM events WHERE id > ? ORDER BY id LIMIT ?")
            try select.bind([.int(from), .int(Int64(batchSize))])
            var ids: [Int64] = []
            ids.reserveCapacity(batchSize)
            while try select.step() { ids.append(select.int64(0)) }
            select.reset()
            guard let last = ids.last else { return (0, []) }
            let entries = state.withLock { state in ids.map { state.pending[$0] } }
            var missing: [Int64] = []
            for (id, entry) in zip(ids, entries) {
                if let entry { try entry.insert(id: id, on: connection) } else { missing.append(id) }
            }
            if !missing.isEmpty {
                let read = try connection.prepare(
                    "SELECT \(SQLiteEventStore.eventColumns) FROM events e WHERE e.id = ?")
                for id in missing {
                    try read.bind([.int(id)])
                    if try read.step() {
                        try IndexEntry(try SQLiteEventStore.event(from: read)).insert(id: id, on: connection)
                    }
                    read.reset()
                }
            }
            try connection.prepare("UPDATE index_state SET indexed_id = ? WHERE name = 'events'").run([.int(last)])
            return (last, ids)
        }
        guard indexed.last > 0 else { return 0 }
        let now = ContinuousClock.now
        state.withLock { state in
            state.indexedID = max(state.indexedID, indexed.last)
            state.failure = nil
            for id in indexed.ids { state.pending[id] = nil }
            state.indexedEvents += indexed.ids.count
            func record(_ lag: Duration, count: Int) {
                state.lagMax = max(state.lagMax, lag)
                state.lagBuckets[min(state.lagBuckets.count - 1, Int(lag / Self.lagBucketWidth))] += count
            }
            // Callers record their commits in about id order; one a little late is counted when
            // the walk reaches it.
            while state.committedHead < state.committedAt.count,
                state.committedAt[state.committedHead].id <= indexed.last
            {
                record(now - state.committedAt[state.committedHead].at, count: 1)
                state.committedHead += 1
            }
            let beforeOpen = indexed.ids.count { $0 <= state.newestAtOpen }
            if beforeOpen > 0 {
                // Events committed before the open: their lag counts from the open.
                record(now - state.opened, count: beforeOpen)
            }
            if state.committedHead > 4096 && state.committedHead * 2 > state.committedAt.count {
                state.committedAt.removeFirst(state.committedHead)
                state.committedHead = 0
            }
        }
        return indexed.last
    }
}
