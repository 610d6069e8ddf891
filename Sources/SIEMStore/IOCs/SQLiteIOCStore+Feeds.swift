import Foundation
import SIEMCore

/// Threat-intel feeds and the IOCs each lists (`ti_feeds`, `ti_feed_iocs`).
extension SQLiteIOCStore {
    static let feedColumns = """
        id, key, url, options, origin, created_by, created_at, etag, last_modified, added_after, \
        last_attempt_at, last_success_at, last_error, ioc_count, last_result
        """

    public func feeds() async throws -> [TIFeed] {
        try await readers.read { connection in
            let statement = try connection.prepare("SELECT \(Self.feedColumns) FROM ti_feeds ORDER BY id")
            var feeds: [TIFeed] = []
            while try statement.step() { feeds.append(Self.feed(from: statement)) }
            return feeds
        }
    }

    public func feed(id: TIFeed.ID) async throws -> TIFeed? {
        try await readers.read { connection in
            let statement = try connection.prepare("SELECT \(Self.feedColumns) FROM ti_feeds WHERE id = ?")
            try statement.bind([.int(id)])
            defer { statement.reset() }
            return try statement.step() ? Self.feed(from: statement) : nil
        }
    }

    public func addFeed(_ feed: TIFeed) async throws -> TIFeed? {
        try await writer.write { connection in
            guard try connection.scalar("SELECT id FROM ti_feeds WHERE key = ?", [.text(feed.key)]) == nil else {
                return nil
            }
            try connection.prepare(
                "INSERT INTO ti_feeds(key, url, options, origin, created_by, created_at) VALUES(?,?,?,?,?,?)"
            ).run([
                .text(feed.key), .text(feed.url), .text(feed.options.text), .text(feed.origin.rawValue),
                .text(feed.createdBy), .int(micros(feed.createdAt)),
            ])
            var stored = feed
            stored.id = connection.lastInsertRowID
            return stored
        }
    }

    public func updateFeedOptions(id: TIFeed.ID, _ options: FeedOptions) async throws {
        try await writer.write { connection in
            try connection.prepare("UPDATE ti_feeds SET options = ? WHERE id = ?").run([.text(options.text), .int(id)])
        }
    }

    public func updateFeedState(id: TIFeed.ID, _ state: FeedState) async throws {
        try await writer.write { connection in
            try connection.prepare(
                """
                UPDATE ti_feeds SET etag = ?, last_modified = ?, added_after = ?, last_attempt_at = ?,
                last_success_at = ?, last_error = ?, ioc_count = ?, last_result = ? WHERE id = ?
                """
            ).run([
                Self.optional(state.etag), Self.optional(state.lastModified), Self.optional(state.addedAfter),
                state.lastAttemptAt.map { .int(micros($0)) } ?? .null,
                state.lastSuccessAt.map { .int(micros($0)) } ?? .null, Self.optional(state.lastError),
                .int(Int64(state.iocCount)), Self.optional(state.lastResult.map(Self.resultText)), .int(id),
            ])
        }
    }

    public func syncFeed(
        id feedID: TIFeed.ID, iocs: [IOC], withdrawn: [IOCKey], replace: Bool, at time: Date
    ) async throws -> FeedSync {
        try await writer.write { connection in
            var sync = FeedSync()
            let current = try Self.memberships(of: feedID, on: connection)
            let find = try connection.prepare(
                "SELECT id, source, note, severity, expires_at FROM iocs WHERE type = ? AND value = ?")
            let otherOwner = try connection.prepare(
                "SELECT 1 FROM ti_feed_iocs WHERE ioc_id = ? AND owner = 1 AND feed_id != ?")
            let member = try connection.prepare(
                """
                INSERT INTO ti_feed_iocs(feed_id, ioc_id, owner) VALUES(?,?,?)
                ON CONFLICT(feed_id, ioc_id) DO UPDATE SET owner = excluded.owner
                """)
            let update = try connection.prepare(
                "UPDATE iocs SET source = ?, note = ?, severity = ?, expires_at = ?, updated_at = ? WHERE id = ?")
            let insert = try connection.prepare(
                """
                INSERT INTO iocs(type, value, source, note, severity, created_at, updated_at, expires_at)
                VALUES(?,?,?,?,?,?,?,?)
                """)
            let now = micros(time)
            var listed: Set<IOC.ID> = []
            for ioc in iocs {
                let expires: SQLValue = ioc.expiresAt.map { .int(micros($0)) } ?? .null
                find.reset()
                try find.bind([.text(ioc.type.rawValue), .text(ioc.value)])
                guard try find.step() else {
                    find.reset()
                    try insert.run([
                        .text(ioc.type.rawValue), .text(ioc.value), .text(ioc.source), .text(ioc.note),
                        .text(ioc.severity.rawValue), .int(now), .int(now), expires,
                    ])
                    let id = connection.lastInsertRowID
                    try member.run([.int(feedID), .int(id), .int(1)])
                    listed.insert(id)
                    sync.added += 1
                    continue
                }
                let id = find.int64(0)
                let same =
                    find.text(1) == ioc.source && find.text(2) == ioc.note && find.text(3) == ioc.severity.rawValue
                    && (find.isNull(4) ? nil : find.int64(4)) == ioc.expiresAt.map(micros)
                let isExpired = !find.isNull(4) && find.int64(4) <= now
                find.reset()
                listed.insert(id)
                var owns = current[id] == true
                if !owns, isExpired {
                    // An expired IOC no other feed owns comes back under this feed's values.
                    otherOwner.reset()
                    try otherOwner.bind([.int(id), .int(feedID)])
                    owns = try !otherOwner.step()
                    otherOwner.reset()
                }
                if owns, !same {
                    try update.run([
                        .text(ioc.source), .text(ioc.note), .text(ioc.severity.rawValue), expires, .int(now), .int(id),
                    ])
                    sync.updated += 1
                }
                if current[id] != owns { try member.run([.int(feedID), .int(id), .int(owns ? 1 : 0)]) }
            }
            var dropped: [(IOC.ID, Bool)] = []
            if replace {
                dropped = current.filter { !listed.contains($0.key) }.map { ($0.key, $0.value) }
            } else {
                for key in withdrawn {
                    guard
                        let id = try connection.scalar(
                            "SELECT id FROM iocs WHERE type = ? AND value = ?",
                            [.text(key.type.rawValue), .text(key.value)]),
                        let owner = current[id], !listed.contains(id)
                    else { continue }
                    dropped.append((id, owner))
                }
            }
            for (id, owner) in dropped.sorted(by: { $0.0 < $1.0 }) {
                try Self.drop(id, owner: owner, from: feedID, at: time, on: connection, into: &sync)
            }
            sync.listed = Int(
                try connection.scalar("SELECT count(*) FROM ti_feed_iocs WHERE feed_id = ?", [.int(feedID)]) ?? 0)
            return sync
        }
    }

    public func deleteFeed(id feedID: TIFeed.ID, at time: Date) async throws -> FeedSync? {
        try await writer.write { connection in
            guard try connection.scalar("SELECT id FROM ti_feeds WHERE id = ?", [.int(feedID)]) != nil else {
                return nil
            }
            var sync = FeedSync()
            for (id, owner) in try Self.memberships(of: feedID, on: connection).sorted(by: { $0.key < $1.key }) {
                try Self.drop(id, owner: owner, from: feedID, at: time, on: connection, into: &sync)
            }
            try connection.prepare("DELETE FROM ti_feeds WHERE id = ?").run([.int(feedID)])
            return sync
        }
    }

    // MARK: Helpers

    /// The IOCs the feed lists, and whether it owns each.
    static func memberships(of feedID: TIFeed.ID, on connection: SQLiteConnection) throws -> [IOC.ID: Bool] {
        let statement = try connection.prepare("SELECT ioc_id, owner FROM ti_feed_iocs WHERE feed_id = ?")
        try statement.bind([.int(feedID)])
        defer { statement.reset() }
        var result: [IOC.ID: Bool] = [:]
        while try statement.step() { result[statement.int64(0)] = statement.int64(1) != 0 }
        return result
    }

    /// The feed no longer lists IOC `id`. When it owned it: the next feed that lists it takes it
    /// over, else it is deleted (never matched) or expires now (kept for its hits).
    static func drop(
        _ id: IOC.ID, owner: Bool, from feedID: TIFeed.ID, at time: Date, on connection: SQLiteConnection,
        into sync: inout FeedSync
    ) throws {
        try connection.prepare("DELETE FROM ti_feed_iocs WHERE feed_id = ? AND ioc_id = ?").run([
            .int(feedID), .int(id),
        ])
        guard owner else { return }
        let now = micros(time)
        let next = try connection.prepare(
            """
            SELECT f.id, f.url, f.options FROM ti_feed_iocs m JOIN ti_feeds f ON f.id = m.feed_id
            WHERE m.ioc_id = ? ORDER BY f.id LIMIT 1
            """)
        try next.bind([.int(id)])
        if try next.step() {
            let heir = next.int64(0)
            let source = TIFeed(
                url: next.text(1), options: (try? FeedOptions(text: next.text(2))) ?? FeedOptions(), origin: .api,
                createdBy: "", createdAt: time
            ).source
            next.reset()
            try connection.prepare("UPDATE ti_feed_iocs SET owner = 1 WHERE feed_id = ? AND ioc_id = ?").run([
                .int(heir), .int(id),
            ])
            try connection.prepare("UPDATE iocs SET source = ?, updated_at = ? WHERE id = ?").run([
                .text(source), .int(now), .int(id),
            ])
            return
        }
        next.reset()
        if try connection.scalar("SELECT hit_count FROM iocs WHERE id = ?", [.int(id)]) == 0 {
            try connection.prepare("DELETE FROM iocs WHERE id = ?").run([.int(id)])
            sync.removed += 1
        } else {
            try connection.prepare(
                "UPDATE iocs SET expires_at = ?, updated_at = ? WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)"
            ).run([.int(now), .int(now), .int(id), .int(now)])
            if connection.changes > 0 { sync.expired += 1 }
        }
    }

    static func feed(from statement: Statement) -> TIFeed {
        let result = statement.optionalText(14).map(decodeObject).map { members in
            func count(_ key: String) -> Int { if case .int(let value)? = members[key] { Int(value) } else { 0 } }
            return FeedResult(
                notModified: members["not_modified"] == .bool(true), added: count("added"), updated: count("updated"),
                removed: count("removed"), expired: count("expired"), rejected: count("rejected"),
                skipped: count("skipped"))
        }
        return TIFeed(
            id: statement.int64(0), url: statement.text(2),
            options: (try? FeedOptions(text: statement.text(3))) ?? FeedOptions(),
            origin: TIFeed.Origin(rawValue: statement.text(4)) ?? .api, createdBy: statement.text(5),
            createdAt: date(statement.int64(6)),
            state: FeedState(
                etag: statement.optionalText(7), lastModified: statement.optionalText(8),
                addedAfter: statement.optionalText(9),
                lastAttemptAt: statement.isNull(10) ? nil : date(statement.int64(10)),
                lastSuccessAt: statement.isNull(11) ? nil : date(statement.int64(11)),
                lastError: statement.optionalText(12), iocCount: Int(statement.int64(13)), lastResult: result))
    }

    static func resultText(_ result: FeedResult) -> String {
        JSONValue.jsonText([
            "not_modified": .bool(result.notModified), "added": .int(Int64(result.added)),
            "updated": .int(Int64(result.updated)), "removed": .int(Int64(result.removed)),
            "expired": .int(Int64(result.expired)), "rejected": .int(Int64(result.rejected)),
            "skipped": .int(Int64(result.skipped)),
        ])
    }

    static func optional(_ text: String?) -> SQLValue { text.map { .text($0) } ?? .null }
}
