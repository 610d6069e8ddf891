import Foundation
import SIEMCore
import SIEMTestSupport
import Testing

@testable import SIEMStore

/// Alerts keep their rule's format, author, references, false positives and file, and filter by
/// tag and rule format through the alert key index.
@Suite struct AlertRuleFilterTests {
    static func alert(_ id: String, tags: [String], format: String, author: String = "") -> Alert {
        Alert(
            createdAt: SQLiteEventStoreTests.base, ruleID: id, title: id, severity: .high, tags: tags,
            rule: AlertRule(
                format: format, author: author, references: format == "sigma" ? ["https://example.org/\(id)"] : [],
                falsePositives: format == "sigma" ? ["admins"] : [], file: format == "sigma" ? "rules/\(id).yml" : ""))
    }

    @Test func tagAndFormatFiltersAndRuleMetadataRoundTrip() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.databasePath)
        let writes = [
            EventWrite(
                event: SQLiteEventStoreTests.event("one from 10.0.0.9", offset: 1),
                alerts: [
                    Self.alert(
                        "sigma-brute", tags: ["attack.credential_access", "attack.T1110"], format: "sigma",
                        author: "Ann"),
                    Self.alert("native-brute", tags: ["attack.t1110"], format: "native"),
                ]),
            EventWrite(
                event: SQLiteEventStoreTests.event("two", offset: 2),
                alerts: [Self.alert("sigma-other", tags: ["attack.t1059"], format: "sigma", author: "Bo")]),
        ]
        _ = try await store.insert(writes)
        func ids(_ query: AlertQuery) async throws -> [String] {
            try await store.alerts(query).items.map(\.ruleID)
        }
        #expect(try await ids(AlertQuery(tag: "attack.t1110")) == ["native-brute", "sigma-brute"])
        #expect(try await ids(AlertQuery(tag: "ATTACK.T1110", ruleFormat: "sigma")) == ["sigma-brute"])
        #expect(try await ids(AlertQuery(ruleFormat: "sigma")) == ["sigma-other", "sigma-brute"])
        #expect(try await ids(AlertQuery(ruleFormat: "native")) == ["native-brute"])
        #expect(try await ids(AlertQuery(ip: "10.0.0.9", tag: "attack.t1110", ruleFormat: "sigma")) == ["sigma-brute"])
        #expect(try await ids(AlertQuery(tag: "attack.t1")).isEmpty)
        let sigma = try #require(try await store.alerts(AlertQuery(ruleID: "sigma-brute")).items.first)
        #expect(
            sigma.rule
                == AlertRule(
                    format: "sigma", author: "Ann", references: ["https://example.org/sigma-brute"],
                    falsePositives: ["admins"], file: "rules/sigma-brute.yml"))
        let native = try #require(try await store.alerts(AlertQuery(ruleID: "native-brute")).items.first)
        #expect(native.rule == AlertRule())
        await store.close()
    }

    /// A database of schema 9 (alerts without `rule`, keys without tags) opens with its alerts
    /// filterable by tag and read as native rules.
    @Test func migrationIndexesTheTagsOfExistingAlerts() async throws {
        let directory = try TemporaryDirectory()
        do {
            let connection = try SQLiteConnection(path: directory.databasePath)
            for version in 0..<9 { try connection.execute(Migrations.all[version]) }
            try connection.execute("PRAGMA user_version = 9")
            try connection.execute(
                """
                INSERT INTO events(id, ts, received_at, source, host, message, fields, normalized, ips)
                VALUES(1, 0, 0, 's', 'h', 'm', '{}', '{}', '[]');
                INSERT INTO alerts(id, event_id, created_at, rule_id, title, severity, description, tags, details, host)
                VALUES(7, 1, 0, 'old', 'old', 'high', '', '["attack.t1110"]', '{}', 'h');
                """)
            try AlertKeys.insert(
                AlertKeys.tokens(ruleID: "old", severity: .high, agentID: nil).joined(separator: " "), id: 7,
                on: connection)
        }
        let store = try SQLiteEventStore(path: directory.databasePath)
        #expect(try await store.alerts(AlertQuery(tag: "attack.t1110")).items.map(\.id) == [7])
        #expect(try await store.alerts(AlertQuery(ruleID: "old")).items.map(\.id) == [7])
        #expect(try await store.alerts(AlertQuery(ruleFormat: "native")).items.first?.rule == AlertRule())
        await store.close()
    }
}
