import Foundation
import SIEMCore
import SIEMTestSupport
import Testing

@testable import SIEMStore

@Suite struct AuditStoreTests {
    static let base = Date(timeIntervalSince1970: 1_800_000_000)

    static func entry(
        _ actor: String = "alice", action: String = "POST /iocs", target: String = "/iocs", offset: Double = 0,
        status: Int = 201
    ) -> AuditEntry {
        AuditEntry(
            at: base.addingTimeInterval(offset), actor: actor, role: "admin", address: "192.0.2.7", action: action,
            target: target, status: status)
    }

    /// Every entry newest first, following the cursor through every page.
    static func all(_ store: any AuditStore, _ query: AuditQuery) async throws -> [AuditEntry] {
        var query = query
        var entries: [AuditEntry] = []
        while true {
            let page = try await store.audit(query)
            entries += page.items
            guard let cursor = page.nextCursor.flatMap(AuditEntry.ID.init) else { return entries }
            query.cursor = cursor
        }
    }

    @Test func recordKeepsEveryField() async throws {
        let directory = try TemporaryDirectory()
        let stores = try Stores.sqlite(path: directory.databasePath)
        let sent = [
            AuditEntry(
                at: Self.base.addingTimeInterval(0.25), actor: "al\u{0}ice 🦊", role: "admin",
                address: "2001:db8::1", action: "POST /mdr/incidents/{id}/notes",
                target: "/mdr/incidents/7/notes\u{0}x",
                status: 201,
                details: [
                    "note_id": .int(12), "query": .string("a=1&b=ü\u{0}"), "ok": .bool(true), "none": .null,
                    "nested": .object(["ids": .array([.int(1), .double(2.5), .string("Ωmega")])]),
                ]),
            AuditEntry(
                at: Self.base, actor: "anonymous", role: nil, address: nil, action: "POST /login", target: "/login",
                status: 401),
        ]
        #expect(try await stores.audit.record([]).isEmpty)
        let stored = try await stores.audit.record(sent)
        let ids = stored.compactMap(\.id)
        #expect(ids.count == 2 && ids[0] < ids[1])
        var expected = sent
        for index in expected.indices { expected[index].id = ids[index] }
        #expect(stored == expected)
        let page = try await stores.audit.audit(AuditQuery())
        #expect(page.items == expected.reversed())
        #expect(page.nextCursor == nil)
        await stores.close()
    }

    @Test func newestFirstAcrossPages() async throws {
        let directory = try TemporaryDirectory()
        let stores = try Stores.sqlite(path: directory.databasePath)
        var ids: [AuditEntry.ID] = []
        for batch in 0..<5 {
            let stored = try await stores.audit.record(
                (0..<5).map { Self.entry(target: "/iocs/\(batch * 5 + $0)", offset: Double(batch * 5 + $0)) })
            ids += stored.compactMap(\.id)
        }
        #expect(ids.count == 25)
        var page = try await stores.audit.audit(AuditQuery(limit: 7))
        var pages = [page.items.count]
        var seen = page.items
        while let cursor = page.nextCursor {
            page = try await stores.audit.audit(AuditQuery(limit: 7, cursor: AuditEntry.ID(cursor)))
            pages.append(page.items.count)
            seen += page.items
        }
        #expect(pages == [7, 7, 7, 4])
        #expect(seen.compactMap(\.id) == ids.reversed())
        #expect(seen.first?.target == "/iocs/24")
        #expect(seen.last?.target == "/iocs/0")
        // A page that ends exactly at the last entry says there is no next one.
        #expect(try await stores.audit.audit(AuditQuery(limit: 25)).nextCursor == nil)
        await stores.close()
    }

    @Test func eachFilterHolds() async throws {
        let directory = try TemporaryDirectory()
        let stores = try Stores.sqlite(path: directory.databasePath)
        var entries: [AuditEntry] = []
        for index in 0..<12 {
            entries.append(
                Self.entry(
                    ["alice", "bob", "anonymous"][index % 3],
                    action: index % 2 == 0 ? "POST /iocs" : "DELETE /iocs/{id}",
                    target: "/t/\(index)", offset: Double(index) * 60))
        }
        _ = try await stores.audit.record(entries)
        func targets(_ query: AuditQuery) async throws -> [String] {
            try await Self.all(stores.audit, query).map(\.target)
        }
        #expect(try await targets(AuditQuery(actor: "bob")) == ["/t/10", "/t/7", "/t/4", "/t/1"])
        #expect(try await targets(AuditQuery(actor: "Bob")).isEmpty)
        #expect(try await targets(AuditQuery(action: "DELETE /iocs/{id}")).count == 6)
        #expect(try await targets(AuditQuery(actor: "alice", action: "POST /iocs")) == ["/t/6", "/t/0"])
        // since is inclusive, until exclusive.
        #expect(try await targets(AuditQuery(since: Self.base.addingTimeInterval(600))) == ["/t/11", "/t/10"])
        #expect(try await targets(AuditQuery(until: Self.base.addingTimeInterval(120))) == ["/t/1", "/t/0"])
        let window = AuditQuery(since: Self.base.addingTimeInterval(180), until: Self.base.addingTimeInterval(420))
        #expect(try await targets(window) == ["/t/6", "/t/5", "/t/4", "/t/3"])
        var filtered = window
        filtered.actor = "alice"
        #expect(try await targets(filtered) == ["/t/6", "/t/3"])
        // Filters and the cursor together, one entry per page.
        #expect(try await targets(AuditQuery(limit: 1, actor: "anonymous")) == ["/t/11", "/t/8", "/t/5", "/t/2"])
        await stores.close()
    }

    /// The triggers refuse changes from any connection, not only from the store (which has none).
    @Test func theDatabaseRefusesUpdatesAndDeletes() async throws {
        let directory = try TemporaryDirectory()
        let stores = try Stores.sqlite(path: directory.databasePath)
        let stored = try await stores.audit.record([Self.entry("alice"), Self.entry("bob")])
        let id = try #require(stored[0].id)
        do {
            let raw = try SQLiteConnection(path: directory.databasePath)
            for sql in [
                "UPDATE audit_log SET actor = 'mallory' WHERE id = \(id)",
                "UPDATE audit_log SET status = 200",
                "DELETE FROM audit_log WHERE id = \(id)",
                "DELETE FROM audit_log",
                // REPLACE deletes the old row without firing delete triggers: refused on insert.
                """
                INSERT OR REPLACE INTO audit_log(id, at, actor, action, target, status)
                VALUES(\(id), 0, 'mallory', 'x', '/', 200)
                """,
                """
                INSERT INTO audit_log(id, at, actor, action, target, status) VALUES(\(id), 0, 'mallory', 'x', '/', 200)
                ON CONFLICT(id) DO UPDATE SET actor = excluded.actor
                """,
            ] {
                let error = #expect(throws: StoreError.self, "\(sql)") { try raw.execute(sql) }
                #expect(
                    error?.description.contains("the audit log is append-only") == true,
                    "\(sql): \(String(describing: error))")
            }
            // Appending stays possible on that connection too.
            try raw.execute(
                "INSERT INTO audit_log(at, actor, action, target, status) VALUES(0, 'carol', 'POST /x', '/x', 200)")
        }
        let entries = try await Self.all(stores.audit, AuditQuery())
        #expect(entries.map(\.actor) == ["carol", "bob", "alice"])
        #expect(entries.map(\.status) == [200, 201, 201])
        #expect(entries[2] == stored[0])
        await stores.close()
    }

    /// A database at the schema before the audit log gains it on open, keeping what it held.
    @Test func migratesADatabaseOfThePreviousVersion() async throws {
        let directory = try TemporaryDirectory()
        let version = try #require(Migrations.all.firstIndex { $0.contains("CREATE TABLE audit_log") })
        do {
            let connection = try SQLiteConnection(path: directory.databasePath)
            for migration in Migrations.all.prefix(version) { try connection.execute(migration) }
            try connection.execute(
                """
                INSERT INTO events(id, ts, received_at, source, host, message, fields, normalized, ips)
                VALUES(1, 0, 0, 'syslog', 'web1', 'old row', '{}', '{}', '[]');
                PRAGMA user_version = \(version);
                """)
            #expect(try connection.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'audit_log'") == 0)
        }
        let stores = try Stores.sqlite(path: directory.databasePath)
        #expect(try await stores.events.counts().events == 1)
        let stored = try await stores.audit.record([Self.entry()])
        #expect(try await stores.audit.audit(AuditQuery()).items == stored)
        await stores.close()
        let connection = try SQLiteConnection(path: directory.databasePath)
        #expect(try connection.scalar("PRAGMA user_version") == Int64(Migrations.all.count))
        #expect(
            try connection.scalar(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'audit_log'")
                == 3)
    }

    @Test func listingsSeekIndexesInsteadOfSorting() throws {
        let directory = try TemporaryDirectory()
        _ = try SQLiteDatabase(path: directory.databasePath)
        let connection = try SQLiteConnection(path: directory.databasePath)
        func plan(_ query: AuditQuery) throws -> String {
            // Ask SQLite how it runs the very statement the store runs.
            let (sql, arguments) = SQLiteAuditStore.listing(query).statement(limit: query.limit + 1)
            let statement = try connection.prepare("EXPLAIN QUERY PLAN " + sql)
            try statement.bind(arguments)
            var lines: [String] = []
            while try statement.step() { lines.append(statement.text(3)) }
            return lines.joined(separator: "\n")
        }
        for query in [AuditQuery(actor: "alice"), AuditQuery(cursor: 50, actor: "alice")] {
            let lines = try plan(query)
            #expect(lines.contains("USING INDEX audit_log_actor"), "\(query): \(lines)")
            #expect(!lines.contains("TEMP B-TREE"), "\(query): \(lines)")
        }
        let actions = try plan(AuditQuery(action: "POST /iocs"))
        #expect(actions.contains("USING INDEX audit_log_action") && !actions.contains("TEMP B-TREE"), "\(actions)")
        // Unfiltered: the primary key backwards, no sort.
        #expect(!(try plan(AuditQuery())).contains("TEMP B-TREE"))
        let window = try plan(AuditQuery(since: Self.base, until: Self.base.addingTimeInterval(3600)))
        #expect(window.contains("USING INDEX audit_log_at"), "\(window)")
    }
}
