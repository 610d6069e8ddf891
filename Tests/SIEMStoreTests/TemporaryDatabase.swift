import Foundation

// The tests' database folders are `SIEMTestSupport.TemporaryDirectory` (`databasePath` is
// `siem.sqlite3` inside a fresh folder, removed when the value goes away).

/// A count shared between tasks and the writer thread.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
