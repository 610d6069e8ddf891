import Foundation
import SIEMCore
import SIEMTestSupport
import Testing

@testable import SIEMStore

@Suite struct SQLiteEventStoreTests {
    static let base = Date(timeIntervalSince1970: 1_800_000_000)

    static func event(
        _ message: String, host: String = "web1", source: String = "syslog", agent: String? = nil, offset: Double = 0,
        fields: [String: JSONValue] = [:], normalized: [String: JSONValue] = [:]
    ) -> Event {
        var event = Event(
            ts: base.addingTimeInterval(offset), receivedAt: base, source: source, host: host, agentID: agent,
            message: message, fields: fields, normalized: normalized)
        event.ips = event.extractedIPs()
        return event
    }

    static func alert(_ rule: String, _ severity: Severity = .medium) -> Alert {
        Alert(createdAt: base, ruleID: rule, title: rule, severity: severity)
    }

    @Test func roundTripKeepsEverything() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath)
        let sent = Self.event(
            "Failed password from 10.0.0.5", agent: "a1", fields: ["program": .string("sshd"), "n": .int(7)],
            normalized: ["user.name": .string("root")])
        let stored = try await store.insert([EventWrite(event: sent, alerts: [Self.alert("ssh_failed_password")])])
        let id = try #require(stored[0].event.id)
        #expect(stored[0].alerts[0].eventID == id)
        #expect(stored[0].alerts[0].id != nil)
        let loaded = try #require(try await store.event(id: id))
        var expected = sent
        expected.id = id
        #expect(loaded == expected)
        let alerts = try await store.alerts(AlertQuery())
        #expect(alerts.items.map(\.ruleID) == ["ssh_failed_password"])
        #expect(alerts.items[0].host == "web1")
        #expect(alerts.items[0].agentID == "a1")
        #expect(try await store.counts() == StoreCounts(events: 1, alerts: 1))
        await store.close()
    }

    @Test func survivesReopenAndMigratesOnce() async throws {
        let directory = try TemporaryDirectory()
        do {
            let store = try SQLiteEventStore(path: directory.databasePath)
            _ = try await store.insert([EventWrite(event: Self.event("persist me 10.0.0.5"), alerts: [Self.alert("r")])]
            )
            await store.close()
        }
        let reopened = try SQLiteEventStore(path: directory.databasePath)
        #expect(try await reopened.counts() == StoreCounts(events: 1, alerts: 1))
        #expect(try await reopened.events(EventQuery(ip: "10.0.0.5")).items.map(\.message) == ["persist me 10.0.0.5"])
        await reopened.close()
        let connection = try SQLiteConnection(path: directory.databasePath)
        #expect(try connection.scalar("PRAGMA user_version") == Int64(Migrations.all.count))
    }

    @Test func refusesNewerSchema() async throws {
        let directory = try TemporaryDirectory()
        do {
            let connection = try SQLiteConnection(path: directory.databasePath)
            try connection.execute("PRAGMA user_version = 999")
        }
        #expect(throws: StoreError.self) { try SQLiteEventStore(path: directory.databasePath) }
    }

    /// `source.ip` and the other address keys are found through the shared `ip` entry, and the key
    /// is still checked: an address that is only the destination does not match `source.ip`.
    @Test func addressKeysFilterThroughTheIPEntry() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath)
        let flows: [(String, String)] = [("10.1.0.1", "10.2.0.2"), ("10.2.0.2", "10.1.0.1"), ("10.1.0.1", "10.3.0.3")]
        _ = try await store.insert(
            flows.map { source, destination in
                EventWrite(
                    event: Self.event(
                        "flow \(source) -> \(destination)",
                        normalized: ["source.ip": .string(source), "destination.ip": .string(destination)]),
                    alerts: [])
            })
        // A normalized address the extractor would not find in the text still gets its entry.
        var odd = Self.event("odd address", normalized: ["client.ip": .string("fe80::1%eth0")])
        odd.ips = []
        _ = try await store.insert([EventWrite(event: odd, alerts: [])])

        func messages(_ key: String, _ value: String) async throws -> [String] {
            try await store.events(EventQuery(terms: [.init(key: key, value: value)])).items.map(\.message)
        }
        #expect(
            try await messages("source.ip", "10.1.0.1") == ["flow 10.1.0.1 -> 10.3.0.3", "flow 10.1.0.1 -> 10.2.0.2"])
        #expect(try await messages("destination.ip", "10.1.0.1") == ["flow 10.2.0.2 -> 10.1.0.1"])
        #expect(try await messages("source.ip", "10.3.0.3").isEmpty)
        #expect(try await messages("client.ip", "fe80::1%eth0") == ["odd address"])
        #expect(try await store.events(EventQuery(ip: "10.1.0.1")).items.count == 3)
        let both = try await store.events(
            EventQuery(ip: "10.3.0.3", terms: [.init(key: "source.ip", value: "10.1.0.1")]))
        #expect(both.items.map(\.message) == ["flow 10.1.0.1 -> 10.3.0.3"])
        await store.close()
    }

    /// A database written before migrations 4 and 5 (B-tree entries under `source.ip`) answers the
    /// same after them: `event_keys` is filled from the stored events.
    @Test func migrationsRebuildTheFilterIndex() async throws {
        let directory = try TemporaryDirectory()
        do {
            let connection = try SQLiteConnection(path: directory.databasePath)
            for migration in Migrations.all.prefix(3) { try connection.execute(migration) }
            try connection.execute(
                """
                INSERT INTO events(id, ts, received_at, source, host, message, fields, normalized, ips)
                VALUES(1, 0, 0, 'syslog', 'web1', 'old row', '{}', '{"source.ip":"192.0.2.9"}', '[]'),
                      (2, 0, 0, 'edr', 'db1', 'other row', '{}', '{"user.name":"root"}', '["10.0.0.1"]');
                INSERT INTO alerts(id, event_id, created_at, rule_id, title, severity, description, tags, details, host)
                VALUES(7, 2, 0, 'r1', 'R1', 'high', '', '[]', '{}', 'db1');
                INSERT INTO event_terms(key, value, event_id) VALUES('source.ip', '192.0.2.9', 1);
                PRAGMA user_version = 3;
                """)
        }
        let store = try SQLiteEventStore(path: directory.databasePath)
        let found = try await store.events(EventQuery(terms: [.init(key: "source.ip", value: "192.0.2.9")]))
        #expect(found.items.map(\.message) == ["old row"])
        #expect(try await store.events(EventQuery(ip: "192.0.2.9")).items.map(\.message) == ["old row"])
        #expect(try await store.events(EventQuery(ip: "10.0.0.1")).items.map(\.message) == ["other row"])
        #expect(try await store.events(EventQuery(host: "db1")).items.map(\.message) == ["other row"])
        #expect(try await store.events(EventQuery(source: "syslog")).items.map(\.message) == ["old row"])
        let roots = try await store.events(EventQuery(terms: [.init(key: "user.name", value: "root")]))
        #expect(roots.items.map(\.message) == ["other row"])
        #expect(try await store.alerts(AlertQuery(ruleID: "r1", severity: .high)).items.map(\.id) == [7])
        #expect(try await store.alerts(AlertQuery(ip: "10.0.0.1")).items.map(\.id) == [7])
        await store.close()
    }

    @Test func filtersAndNewestFirstPaging() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath)
        var writes: [EventWrite] = []
        for index in 0..<25 {
            let event = Self.event(
                "event \(index) from 10.0.0.\(index % 5)", host: index % 2 == 0 ? "even" : "odd",
                source: index < 10 ? "edr" : "syslog", agent: index < 10 ? "agent-\(index % 2)" : nil,
                offset: Double(index) * 60,
                normalized: [
                    "user.name": .string(index % 3 == 0 ? "root" : "bob"),
                    "user.shell": .string(index % 5 == 0 ? "/bin/sh" : "/bin/bash"),
                ])
            writes.append(EventWrite(event: event, alerts: []))
        }
        _ = try await store.insert(writes)

        var page = try await store.events(EventQuery(limit: 10))
        #expect(page.items.map(\.message).first == "event 24 from 10.0.0.4")
        var seen = page.items.count
        while let cursor = page.nextCursor {
            page = try await store.events(EventQuery(limit: 10, cursor: Int64(cursor)))
            seen += page.items.count
        }
        #expect(seen == 25)

        #expect(try await store.events(EventQuery(ip: "10.0.0.3")).items.count == 5)
        #expect(try await store.events(EventQuery(ip: "10.0.0.30")).items.isEmpty)
        #expect(try await store.events(EventQuery(host: "odd")).items.count == 12)
        #expect(try await store.events(EventQuery(agentID: "agent-1")).items.count == 5)
        #expect(try await store.events(EventQuery(source: "edr", host: "even")).items.count == 5)
        #expect(try await store.events(EventQuery(ip: "10.0.0.0", host: "even")).items.count == 3)
        let window = try await store.events(
            EventQuery(since: Self.base.addingTimeInterval(60 * 20), until: Self.base.addingTimeInterval(60 * 22)))
        #expect(window.items.map(\.message) == ["event 21 from 10.0.0.1", "event 20 from 10.0.0.0"])
        let roots = try await store.events(EventQuery(terms: [.init(key: "user.name", value: "root")]))
        #expect(roots.items.count == 9)
        // A key without index entries is still a correct filter.
        #expect(!EventQuery.indexedKeys.contains("user.shell"))
        let shells = try await store.events(EventQuery(terms: [.init(key: "user.shell", value: "/bin/sh")]))
        #expect(shells.items.count == 5)
        let both = try await store.events(
            EventQuery(terms: [.init(key: "user.shell", value: "/bin/sh"), .init(key: "user.name", value: "root")]))
        #expect(both.items.count == 2)
        await store.close()
    }

    @Test func fullTextSearch() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath)
        _ = try await store.insert([
            EventWrite(
                event: Self.event("edr_listen_socket port 4444 by nc", source: "edr", agent: "demo-agent"), alerts: []),
            EventWrite(
                event: Self.event("edr_listen_socket port 22 by sshd", source: "edr", agent: "other"), alerts: []),
            EventWrite(
                event: Self.event("GET /etc/passwd from 203.0.113.77", fields: ["ua": .string("sqlmap")]), alerts: []),
        ])
        #expect(try await store.events(EventQuery(text: "edr_listen_socket")).items.count == 2)
        #expect(
            try await store.events(EventQuery(text: "edr_listen_socket", agentID: "demo-agent")).items.map(\.agentID)
                == ["demo-agent"])
        #expect(try await store.events(EventQuery(text: "203.0.113.77")).items.count == 1)
        #expect(try await store.events(EventQuery(text: "/etc/passwd")).items.count == 1)
        #expect(try await store.events(EventQuery(text: "sqlmap")).items.count == 1)  // field values are indexed
        #expect(try await store.events(EventQuery(text: "sock*")).items.count == 2)
        #expect(try await store.events(EventQuery(text: "sshd OR nc")).items.count == 2)
        // Text with the other filters: each is checked on the rows the text finds.
        #expect(try await store.events(EventQuery(text: "GET", ip: "203.0.113.77")).items.count == 1)
        #expect(try await store.events(EventQuery(text: "GET", ip: "203.0.113.7")).items.isEmpty)
        #expect(try await store.events(EventQuery(text: "edr_listen_socket", source: "syslog")).items.isEmpty)
        #expect(try await store.events(EventQuery(text: "port", source: "edr", host: "web1")).items.count == 2)
        #expect(try await store.events(EventQuery(text: "port", host: "web2")).items.isEmpty)
        await #expect(throws: StoreError.self) { try await store.events(EventQuery(text: "(unbalanced")) }
        do {
            _ = try await store.events(EventQuery(text: "a AND AND"))
            Issue.record("expected an invalid query")
        } catch let error as StoreError {
            guard case .invalidQuery = error else {
                Issue.record("expected invalidQuery, got \(error)")
                return
            }
        }
        await store.close()
    }

    @Test func filtersUseIndexesNotScans() throws {
        let directory = try TemporaryDirectory()
        _ = try SQLiteEventStore(path: directory.databasePath)
        let connection = try SQLiteConnection(path: directory.databasePath)
        func plan(_ query: EventQuery) throws -> String {
            // Ask SQLite how it runs the very statement the store runs.
            let (sql, arguments) = SQLiteEventStore.eventsStatement(query)
            let statement = try connection.prepare("EXPLAIN QUERY PLAN " + sql)
            try statement.bind(arguments)
            var lines: [String] = []
            while try statement.step() { lines.append(statement.text(3)) }
            return lines.joined(separator: "\n")
        }
        // Every filter is a lookup in the FTS5 key index, then a seek by id: never a scan of events.
        for query in [
            EventQuery(ip: "10.0.0.5"), EventQuery(host: "web1"), EventQuery(agentID: "a"), EventQuery(source: "edr"),
            EventQuery(terms: [.init(key: "user.name", value: "root")]),
            EventQuery(terms: [.init(key: "source.ip", value: "10.0.0.5")]),
            EventQuery(ip: "10.0.0.5", host: "web1"),
        ] {
            let lines = try plan(query)
            #expect(lines.contains("SCAN k VIRTUAL TABLE INDEX"), "\(query): \(lines)")
            #expect(lines.contains("SEARCH e USING INTEGER PRIMARY KEY"), "\(query): \(lines)")
            #expect(!lines.contains("SCAN e"), "\(query): \(lines)")
        }
    }

    @Test func concurrentWritersShareCommitsAndAllLand() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath, sync: .normal)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<50 {
                group.addTask {
                    let stored = try await store.insert(
                        (0..<20).map { EventWrite(event: Self.event("t\(task) e\($0)"), alerts: [Self.alert("r")]) })
                    return stored.compactMap(\.event.id).count
                }
            }
            var total = 0
            for try await count in group { total += count }
            #expect(total == 1000)
        }
        #expect(try await store.counts() == StoreCounts(events: 1000, alerts: 1000))
        #expect(try await store.alerts(AlertQuery(limit: 1000)).items.count == 1000)
        await store.close()
        await #expect(throws: StoreError.closed) {
            try await store.insert([EventWrite(event: Self.event("late"), alerts: [])])
        }
    }

    /// A read that stops after one row must not pin the reader's snapshot: later commits are seen.
    @Test func readersSeeLaterCommitsAfterSingleRowReads() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath, sync: .normal, readers: 1)
        let first = try await store.insert([EventWrite(event: Self.event("first"), alerts: [Self.alert("r")])])
        try await store.ping()
        _ = try await store.alert(id: try #require(first[0].alerts[0].id))
        _ = try await store.insert([EventWrite(event: Self.event("second"), alerts: [])])
        #expect(try await store.events(EventQuery()).items.map(\.message) == ["second", "first"])
        await store.close()
    }

    struct Refused: Error {}

    /// Jobs that share a group commit are still all-or-nothing each: a failing job's writes vanish,
    /// its neighbours' writes land (the group is rolled back and run again job by job).
    @Test func failingJobRollsBackOnlyItself() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath, sync: .normal)
        // A first job holds the writer until the 40 others are queued, so they share one group.
        let queued = Counter()
        let gate = Task {
            try await store.writer.write { _ in
                for _ in 0..<500 where queued.value < 40 { usleep(2_000) }
                usleep(20_000)
            }
        }
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for task in 0..<40 {
                group.addTask {
                    do {
                        queued.increment()
                        try await store.writer.write { connection in
                            _ = try SQLiteEventStore.insert(
                                EventWrite(event: Self.event("job \(task)"), alerts: [Self.alert("r")]),
                                into: connection)
                            if task % 2 == 1 { throw Refused() }
                        }
                        return (task, true)
                    } catch is Refused {
                        return (task, false)
                    }
                }
            }
            var outcomes: [Int: Bool] = [:]
            for try await (task, stored) in group { outcomes[task] = stored }
            return outcomes
        }
        try await gate.value
        #expect(outcomes == Dictionary(uniqueKeysWithValues: (0..<40).map { ($0, $0 % 2 == 0) }))
        #expect(store.writer.statistics.retriedGroups >= 1)
        let stored = Set(try await store.events(EventQuery(limit: 100)).items.map(\.message))
        #expect(stored == Set((0..<40).filter { $0 % 2 == 0 }.map { "job \($0)" }))
        let connection = try SQLiteConnection(path: directory.databasePath)
        #expect(try connection.scalar("SELECT count(*) FROM alerts") == 20)
        await store.close()
    }

    @Test func alertFilters() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath)
        _ = try await store.insert([
            EventWrite(event: Self.event("from 203.0.113.77", agent: "demo-agent"), alerts: [Self.alert("a", .high)]),
            EventWrite(
                event: Self.event("from 198.51.100.1"), alerts: [Self.alert("b", .low), Self.alert("a", .high)]),
        ])
        #expect(try await store.alerts(AlertQuery(ip: "203.0.113.77")).items.map(\.ruleID) == ["a"])
        #expect(try await store.alerts(AlertQuery(agentID: "demo-agent")).items.count == 1)
        #expect(try await store.alerts(AlertQuery(ruleID: "a")).items.count == 2)
        #expect(try await store.alerts(AlertQuery(severity: .low)).items.map(\.ruleID) == ["b"])
        #expect(try await store.alerts(AlertQuery(ruleID: "a", severity: .high)).items.count == 2)
        #expect(try await store.alerts(AlertQuery(ruleID: "a", severity: .low)).items.isEmpty)
        #expect(try await store.alerts(AlertQuery(agentID: "demo-agent", ruleID: "a")).items.count == 1)
        #expect(try await store.alerts(AlertQuery(ip: "198.51.100.1", ruleID: "b")).items.map(\.ruleID) == ["b"])
        let paged = try await store.alerts(AlertQuery(limit: 1, ruleID: "a"))
        #expect(paged.items.count == 1)
        let older = try await store.alerts(AlertQuery(limit: 1, cursor: Int64(paged.nextCursor ?? "0"), ruleID: "a"))
        #expect(older.items.map(\.id) != paged.items.map(\.id) && older.items.count == 1)
        #expect(try await store.alerts(AlertQuery(since: Self.base.addingTimeInterval(1))).items.isEmpty)
        let first = try await store.alerts(AlertQuery(limit: 2))
        #expect(first.items.count == 2)
        let rest = try await store.alerts(AlertQuery(limit: 2, cursor: Int64(first.nextCursor ?? "0")))
        #expect(rest.items.count == 1)
        #expect(rest.nextCursor == nil)
        let stats = try await store.stats(since: Self.base.addingTimeInterval(-3600))
        #expect(stats.eventsPerHour.reduce(0) { $0 + $1.count } == 2)
        #expect(stats.topRules.first == Bucket(key: "a", count: 2))
        #expect(stats.topHosts == [Bucket(key: "web1", count: 2)])
        #expect(stats.eventsBySource == [Bucket(key: "syslog", count: 2)])
        #expect(stats.topRules == [Bucket(key: "a", count: 2), Bucket(key: "b", count: 1)])
        #expect(stats.alertsBySeverity == [Bucket(key: "high", count: 2), Bucket(key: "low", count: 1)])
        #expect(stats.alertsPerHour.reduce(0) { $0 + $1.count } == 3)
        await store.close()
    }
}
