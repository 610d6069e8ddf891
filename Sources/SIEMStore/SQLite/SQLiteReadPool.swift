import Foundation

/// A fixed set of read-only connections (WAL readers never block the writer).
///
/// `@unchecked Sendable`: each connection is handed to one caller at a time under `lock`, and used
/// on a dispatch queue thread until it is returned.
final class SQLiteReadPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [SQLiteConnection]
    private let available: DispatchSemaphore
    private let queue = DispatchQueue(label: "siem-sqlite-read", attributes: .concurrent)

    init(path: String, size: Int, setup: (SQLiteConnection) throws(StoreError) -> Void) throws(StoreError) {
        var connections: [SQLiteConnection] = []
        for _ in 0..<size {
            let connection = try SQLiteConnection(path: path, readOnly: true)
            try setup(connection)
            connections.append(connection)
        }
        idle = connections
        available = DispatchSemaphore(value: size)
    }

    /// Runs `body` with a reader connection off the caller's executor.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [self] in
                available.wait()
                lock.lock()
                let connection = idle.removeLast()
                lock.unlock()
                let result = Result { try body(connection) }
                connection.resetStatements()
                lock.lock()
                idle.append(connection)
                lock.unlock()
                available.signal()
                continuation.resume(with: result)
            }
        }
    }
}
