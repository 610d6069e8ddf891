import Foundation
import SIEMCore
import SIEMStore

/// The IOC set the pipeline matches against, reloaded from the store when IOCs change.
///
/// `@unchecked Sendable`: `current`, `requested` and `loaded` are guarded by `lock`; the snapshot
/// itself is an immutable value, so readers hold it without the lock.
public final class IOCSnapshot: @unchecked Sendable {
    public let store: any IOCStore
    private let now: @Sendable () -> Date
    private let lock = NSLock()
    private var current: IOCSet?
    /// Generation of the newest reload started, and of the snapshot in `current`.
    private var requested = 0
    private var loaded = 0

    public init(store: any IOCStore, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.now = now
    }

    /// The current snapshot; loads it from the store on first use.
    public func snapshot() async throws -> IOCSet {
        if let current = lock.withLock({ current }) { return current }
        return try await reload()
    }

    /// Rebuilds the snapshot from the store. A reload that finishes after a newer one is discarded.
    @discardableResult
    public func reload() async throws -> IOCSet {
        let generation = lock.withLock {
            requested += 1
            return requested
        }
        let set = IOCSet(try await store.activeIOCs(at: now()))
        return lock.withLock {
            if generation > loaded {
                current = set
                loaded = generation
                return set
            }
            return current ?? set
        }
    }
}
