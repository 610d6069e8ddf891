/// Why a store operation failed. Raw SQLite messages stay in logs; clients see `detail` only
/// for their own mistakes (`invalidQuery`).
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// SQLite failed; `code` is the extended result code, `message` sqlite3_errmsg (no bound values).
    case sqlite(code: Int32, message: String)
    /// A search query SQLite cannot parse; `detail` is safe to show to the client.
    case invalidQuery(String)
    /// A record that was asked for does not exist.
    case notFound(String)
    /// The store is closed (shutting down).
    case closed

    public var description: String {
        switch self {
        case .sqlite(let code, let message): "SQLite error \(code): \(message)"
        case .invalidQuery(let detail): "invalid query: \(detail)"
        case .notFound(let what): "not found: \(what)"
        case .closed: "the store is closed"
        }
    }
}
