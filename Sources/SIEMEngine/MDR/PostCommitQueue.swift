import Foundation
import Logging
import SIEMStore
import ServiceLifecycle

/// Work that follows a commit (webhooks, auto-created incidents) runs here, after the ingest has
/// been answered: `enqueue` never waits, one service task hands the writes to `MDRAutomation` in
/// commit order. The queue is bounded; when it is full the newest batch is dropped, counted and
/// logged, and the ingest it came from is unaffected. On shutdown it finishes what is queued.
public final class PostCommitQueue: Service, Sendable {
    /// Counters since start.
    public struct Counts: Sendable, Hashable {
        public var enqueued = 0
        public var processed = 0
        public var dropped = 0
    }

    public let automation: MDRAutomation
    private let logger: Logger
    private let stream: AsyncStream<[EventWrite]>
    private let continuation: AsyncStream<[EventWrite]>.Continuation
    private let counts = Locked(Counts())

    /// `capacity` is the most batches (commits with alerts) that may wait.
    public init(automation: MDRAutomation, capacity: Int = 4096, logger: Logger) {
        self.automation = automation
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(
            of: [EventWrite].self, bufferingPolicy: .bufferingOldest(max(1, capacity)))
    }

    public var statistics: Counts { counts.value }

    /// Queues what a commit stored; returns at once. Writes without alerts need no follow-up.
    public func enqueue(_ writes: [EventWrite]) {
        guard automation.isActive, writes.contains(where: { !$0.alerts.isEmpty }) else { return }
        switch continuation.yield(writes) {
        case .enqueued:
            counts.update { $0.enqueued += 1 }
        default:
            let dropped = counts.update {
                $0.dropped += 1
                return $0.dropped
            }
            if dropped == 1 || dropped % 1000 == 0 {
                logger.warning(
                    "post-commit queue full; webhooks and incidents of a commit dropped",
                    metadata: ["post_commit.dropped": "\(dropped)"])
            }
        }
    }

    public func run() async {
        await withGracefulShutdownHandler {
            for await writes in stream {
                await automation.committed(writes)
                counts.update { $0.processed += 1 }
            }
        } onGracefulShutdown: {
            // Ends the loop once what is already queued has been handled.
            self.continuation.finish()
        }
    }
}

/// A value guarded by a lock.
///
/// `@unchecked Sendable`: `value` is only read and written under `lock`.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) {
        stored = value
    }

    var value: Value { lock.withLock { stored } }

    @discardableResult
    func update<T>(_ body: (inout Value) -> T) -> T {
        lock.withLock { body(&stored) }
    }
}
