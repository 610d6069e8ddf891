import Foundation
import SIEMCore

/// EDR endpoints and the response-action queue in SQLite.
public final class SQLiteEDRStore: EDRStore, SQLiteBacked {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    static let endpointColumns =
        "agent_id, token_hash, hostname, os, kernel, ips, agent_version, registered_at, last_seen, isolated"
    static let actionColumns =
        "id, agent_id, action_type, params, requested_by, status, created_at, expires_at, leased_at, lease_until, "
        + "attempts, completed_at, output, error"

    public func insertEndpoint(_ endpoint: Endpoint) async throws -> Bool {
        try await writer.write { connection in
            try connection.prepare(
                "INSERT OR IGNORE INTO edr_endpoints(\(Self.endpointColumns)) VALUES(?,?,?,?,?,?,?,?,?,?)"
            ).run(Self.arguments(endpoint))
            return connection.changes == 1
        }
    }

    public func updateEndpoint(_ endpoint: Endpoint) async throws {
        try await writer.write { connection in
            try connection.prepare(
                """
                UPDATE edr_endpoints SET hostname = ?, os = ?, kernel = ?, ips = ?, agent_version = ?, last_seen = ?
                WHERE agent_id = ?
                """
            ).run([
                .text(endpoint.hostname), .text(endpoint.os), .text(endpoint.kernel),
                .text(Self.jsonList(endpoint.ips)),
                .text(endpoint.agentVersion), .int(micros(endpoint.lastSeen)), .text(endpoint.agentID),
            ])
        }
    }

    public func endpoint(agentID: String) async throws -> Endpoint? {
        try await readers.read { connection in
            let statement = try connection.prepare(
                "SELECT \(Self.endpointColumns) FROM edr_endpoints WHERE agent_id = ?")
            try statement.bind([.text(agentID)])
            return try statement.step() ? Self.endpoint(from: statement) : nil
        }
    }

    public func endpoints(limit: Int) async throws -> [Endpoint] {
        try await readers.read { connection in
            let statement = try connection.prepare(
                "SELECT \(Self.endpointColumns) FROM edr_endpoints ORDER BY last_seen DESC, agent_id LIMIT ?")
            try statement.bind([.int(Int64(limit))])
            var items: [Endpoint] = []
            while try statement.step() { items.append(Self.endpoint(from: statement)) }
            return items
        }
    }

    public func touchEndpoint(agentID: String, at time: Date) async throws {
        try await writer.write { connection in
            try connection.prepare("UPDATE edr_endpoints SET last_seen = max(last_seen, ?) WHERE agent_id = ?")
                .run([.int(micros(time)), .text(agentID)])
        }
    }

    public func enqueue(_ action: NewAction) async throws -> EDRAction {
        try await writer.write { connection in
            try connection.prepare(
                """
                INSERT INTO edr_actions(agent_id, action_type, params, requested_by, status, created_at, expires_at)
                VALUES(?,?,?,?,'queued',?,?)
                """
            ).run([
                .text(action.agentID), .text(action.actionType), .text(JSONValue.jsonText(action.params)),
                .text(action.requestedBy), .int(micros(action.createdAt)), .int(micros(action.expiresAt)),
            ])
            return try Self.action(id: connection.lastInsertRowID, on: connection)!
        }
    }

    public func leaseActions(agentID: String, now: Date, leaseDuration: TimeInterval, limit: Int) async throws
        -> LeaseBatch
    {
        try await writer.write { connection in
            let expired = try Self.expire(now: now, agentID: agentID, on: connection)
            let select = try connection.prepare(
                """
                SELECT id FROM edr_actions
                WHERE agent_id = ? AND (status = 'queued' OR (status = 'leased' AND lease_until <= ?))
                ORDER BY id LIMIT ?
                """)
            try select.bind([.text(agentID), .int(micros(now)), .int(Int64(limit))])
            var ids: [Int64] = []
            while try select.step() { ids.append(select.int64(0)) }
            let update = try connection.prepare(
                "UPDATE edr_actions SET status = 'leased', leased_at = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?"
            )
            var leased: [EDRAction] = []
            for id in ids {
                try update.run([.int(micros(now)), .int(micros(now.addingTimeInterval(leaseDuration))), .int(id)])
                if let action = try Self.action(id: id, on: connection) { leased.append(action) }
            }
            return LeaseBatch(leased: leased, expired: expired)
        }
    }

    public func completeAction(id: EDRAction.ID, agentID: String, result: ActionResult, at time: Date) async throws
        -> CompletionOutcome
    {
        try await writer.write { connection in
            guard let action = try Self.action(id: id, on: connection), action.agentID == agentID else {
                return .notFound
            }
            guard !action.status.isFinal else { return .alreadyFinal(action) }
            try connection.prepare(
                "UPDATE edr_actions SET status = ?, completed_at = ?, output = ?, error = ? WHERE id = ?"
            ).run([
                .text(result.status.rawValue), .int(micros(time)), result.output.map { .text($0.jsonText) } ?? .null,
                result.error.map { .text($0) } ?? .null, .int(id),
            ])
            if result.status == .succeeded,
                action.actionType == "isolate_endpoint" || action.actionType == "unisolate_endpoint"
            {
                try connection.prepare("UPDATE edr_endpoints SET isolated = ? WHERE agent_id = ?")
                    .run([.int(action.actionType == "isolate_endpoint" ? 1 : 0), .text(agentID)])
            }
            return .completed(try Self.action(id: id, on: connection)!)
        }
    }

    public func expireActions(now: Date) async throws -> [EDRAction] {
        try await writer.write { connection in try Self.expire(now: now, agentID: nil, on: connection) }
    }

    public func actions(_ query: ActionQuery) async throws -> [EDRAction] {
        try await readers.read { connection in
            var select = PagedQuery("SELECT \(Self.actionColumns) FROM edr_actions", id: "id")
            select.equals("agent_id", query.agentID)
            select.equals("status", query.status?.rawValue)
            return try select.list(limit: query.limit, on: connection, row: Self.action(from:))
        }
    }

    public func action(id: EDRAction.ID) async throws -> EDRAction? {
        try await readers.read { connection in try Self.action(id: id, on: connection) }
    }

    // MARK: Helpers (writer or reader thread)

    static func expire(now: Date, agentID: String?, on connection: SQLiteConnection) throws -> [EDRAction] {
        var sql = "SELECT id FROM edr_actions WHERE status IN ('queued', 'leased') AND expires_at <= ?"
        var arguments: [SQLValue] = [.int(micros(now))]
        if let agentID {
            sql += " AND agent_id = ?"
            arguments.append(.text(agentID))
        }
        let select = try connection.prepare(sql)
        try select.bind(arguments)
        var ids: [Int64] = []
        while try select.step() { ids.append(select.int64(0)) }
        let update = try connection.prepare(
            "UPDATE edr_actions SET status = 'expired', completed_at = ?, error = ? WHERE id = ?")
        var expired: [EDRAction] = []
        for id in ids {
            try update.run([.int(micros(now)), .text("not completed before it expired"), .int(id)])
            if let action = try action(id: id, on: connection) { expired.append(action) }
        }
        return expired
    }

    static func action(id: Int64, on connection: SQLiteConnection) throws -> EDRAction? {
        let statement = try connection.prepare("SELECT \(actionColumns) FROM edr_actions WHERE id = ?")
        try statement.bind([.int(id)])
        return try statement.step() ? action(from: statement) : nil
    }

    static func action(from statement: Statement) -> EDRAction {
        func optionalDate(_ column: Int32) -> Date? { statement.isNull(column) ? nil : date(statement.int64(column)) }
        return EDRAction(
            id: statement.int64(0),
            agentID: statement.text(1),
            actionType: statement.text(2),
            params: decodeObject(statement.text(3)),
            requestedBy: statement.text(4),
            status: ActionStatus(rawValue: statement.text(5)) ?? .failed,
            createdAt: date(statement.int64(6)),
            expiresAt: date(statement.int64(7)),
            leasedAt: optionalDate(8),
            leaseUntil: optionalDate(9),
            attempts: Int(statement.int64(10)),
            completedAt: optionalDate(11),
            output: statement.optionalText(12).flatMap {
                try? JSONParser.parse(Array($0.utf8))
            },
            error: statement.optionalText(13)
        )
    }

    static func endpoint(from statement: Statement) -> Endpoint {
        Endpoint(
            agentID: statement.text(0),
            tokenHash: statement.text(1),
            hostname: statement.text(2),
            os: statement.text(3),
            kernel: statement.text(4),
            ips: decodeStrings(statement.text(5)),
            agentVersion: statement.text(6),
            registeredAt: date(statement.int64(7)),
            lastSeen: date(statement.int64(8)),
            isolated: statement.int64(9) != 0
        )
    }

    static func arguments(_ endpoint: Endpoint) -> [SQLValue] {
        [
            .text(endpoint.agentID), .text(endpoint.tokenHash), .text(endpoint.hostname), .text(endpoint.os),
            .text(endpoint.kernel), .text(jsonList(endpoint.ips)), .text(endpoint.agentVersion),
            .int(micros(endpoint.registeredAt)), .int(micros(endpoint.lastSeen)), .int(endpoint.isolated ? 1 : 0),
        ]
    }

    static func jsonList(_ items: [String]) -> String {
        JSONValue.array(items.map { .string($0) }).jsonText
    }
}
