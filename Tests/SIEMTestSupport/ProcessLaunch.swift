import Foundation

extension Process {
    private static let launchLock = NSLock()

    /// `run()`, one launch at a time across the test process: Foundation's `Process.run` on Linux
    /// crashed (SIGSEGV in a memmove inside it) when tests of several suites launched children at
    /// the same moment.
    public func runSerialized() throws {
        Self.launchLock.lock()
        defer { Self.launchLock.unlock() }
        try run()
    }
}
