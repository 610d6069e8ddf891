/// The one query every listing runs: filters, an id cursor, newest first, one row more than the
/// limit to know whether another page follows. Values are always bound, never spliced into SQL.
struct PagedQuery {
    /// `SELECT <columns> FROM <tables>`.
    private let select: String
    /// The id column that orders the rows (newest first) and that cursors compare with.
    private let idColumn: String
    private var conditions: [String] = []
    private(set) var arguments: [SQLValue] = []

    init(_ select: String, id idColumn: String) {
        self.select = select
        self.idColumn = idColumn
    }

    /// Adds a condition with its bound values.
    mutating func filter(_ condition: String, _ values: [SQLValue] = []) {
        conditions.append(condition)
        arguments += values
    }

    /// `column = value` when `value` is set.
    mutating func equals(_ column: String, _ value: String?) {
        if let value { filter("\(column) = ?", [.text(value)]) }
    }

    /// Rows older than `cursor` (a previous page's last id) when set.
    mutating func before(_ cursor: Int64?) {
        if let cursor { filter("\(idColumn) < ?", [.int(cursor)]) }
    }

    /// The statement without order or limit (for aggregates over the same filters).
    var unordered: (sql: String, arguments: [SQLValue]) {
        var sql = select
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        return (sql, arguments)
    }

    /// The statement, newest first, at most `limit` rows.
    func statement(limit: Int) -> (sql: String, arguments: [SQLValue]) {
        let (sql, arguments) = unordered
        return (sql + " ORDER BY \(idColumn) DESC LIMIT ?", arguments + [.int(Int64(limit))])
    }

    /// Up to `limit` rows, newest first.
    func list<Item>(limit: Int, on connection: SQLiteConnection, row: (Statement) throws -> Item) throws -> [Item] {
        let (sql, arguments) = statement(limit: limit)
        let statement = try connection.prepare(sql)
        try statement.bind(arguments)
        var items: [Item] = []
        while try statement.step() { items.append(try row(statement)) }
        return items
    }

    /// One page of `limit` rows and the cursor of the next one (nil on the last page).
    func page<Item: Sendable>(
        limit: Int, on connection: SQLiteConnection, id: (Item) -> Int64?, row: (Statement) throws -> Item
    ) throws -> Page<Item> {
        var items = try list(limit: limit + 1, on: connection, row: row)
        var next: String?
        if items.count > limit {
            items.removeLast()
            next = items.last.flatMap(id).map(String.init)
        }
        return Page(items: items, nextCursor: next)
    }
}
