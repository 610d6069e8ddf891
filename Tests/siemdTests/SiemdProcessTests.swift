import AsyncHTTPClient
import Foundation
import SIEMStore
import SIEMTestSupport
import Testing

@Suite(.serialized) struct SiemdProcessTests {
    /// Bulk and one-event ingests survive a kill -9 right after the last acknowledgement, with the
    /// ids their acknowledgements gave.
    @Test func acknowledgedEventsSurviveKill9() async throws {
        let directory = try TemporaryDirectory(prefix: "siemd")
        defer { withExtendedLifetime(directory) {} }
        let database = directory.databasePath
        let siemd = try SiemdProcess(arguments: ["--db", database])
        var acknowledged: [String] = []
        for batch in 0..<10 {
            let lines = (0..<50).map { #"{"message": "kill-test \#(batch)-\#($0) from 10.0.0.5", "host": "k"}"# }
            let response = try await http(
                .POST, siemd.baseURL + "/ingest", body: lines.joined(separator: "\n"),
                contentType: "application/x-ndjson")
            #expect(response.status == 200)
            acknowledged += (0..<50).map { "kill-test \(batch)-\($0) from 10.0.0.5" }
        }
        var singles: [Int64: String] = [:]
        for index in 0..<300 {
            let message = "kill-test single \(index) from 10.0.0.5 Failed password for root from 10.0.0.5"
            let response = try await http(
                .POST, siemd.baseURL + "/ingest", body: #"{"message": "\#(message)", "host": "k"}"#)
            #expect(response.status == 200)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
            singles[try #require((body["id"] as? NSNumber)?.int64Value)] = message
            acknowledged.append(message)
        }
        // No graceful shutdown: the process dies right after the last acknowledgement.
        _ = siemd.stop(signal: SIGKILL)
        let store = try SQLiteEventStore(path: database)
        #expect(try await store.counts().events == acknowledged.count)
        var found: Set<String> = []
        var cursor: Int64?
        repeat {
            let page = try await store.events(EventQuery(limit: 1000, cursor: cursor, ip: "10.0.0.5"))
            found.formUnion(page.items.map(\.message))
            cursor = page.nextCursor.flatMap { Int64($0) }
        } while cursor != nil
        #expect(found == Set(acknowledged))
        let byID = try await store.events(ids: Array(singles.keys))
        #expect(byID.mapValues(\.message) == singles)
        await store.close()
    }

    @Test func sigtermFinishesAndExitsZeroAndRestartKeepsEvents() async throws {
        let directory = try TemporaryDirectory(prefix: "siemd")
        defer { withExtendedLifetime(directory) {} }
        let database = directory.databasePath
        let first = try SiemdProcess(arguments: ["--db", database])
        let ingest = try await http(
            .POST, first.baseURL + "/ingest",
            body:
                #"{"source": "syslog", "host": "demo-host", "message": "Failed password for invalid user admin from 10.0.0.5 port 53422 ssh2", "fields": {"program": "sshd"}}"#
        )
        #expect(ingest.status == 200)
        #expect(first.stop(signal: SIGTERM) == 0, "\(first.log)")
        #expect(first.log.contains("store closed"))

        let second = try SiemdProcess(arguments: ["--db", database])
        let events = try await http(.GET, second.baseURL + "/events?ip=10.0.0.5")
        #expect(events.body.contains("Failed password for invalid user admin"))
        let alerts = try await http(.GET, second.baseURL + "/alerts?limit=20")
        #expect(alerts.body.contains("ssh_failed_password"))
        #expect(second.stop(signal: SIGINT) == 0)
    }

    @Test func badRulesStopStartWithMessage() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString).yml")
        try "rules:\n  - id: broken\n    severity: urgent\n    match: {contains: x}\n".write(
            to: folder, atomically: true, encoding: .utf8)
        let directory = try TemporaryDirectory(prefix: "siemd")
        defer { withExtendedLifetime(directory) {} }
        do {
            _ = try SiemdProcess(arguments: ["--db", directory.databasePath, "--rules", folder.path])
            Issue.record("siemd started with a bad rules file")
        } catch SiemdProcess.ProcessError.didNotStart(let log) {
            #expect(log.contains(folder.path))
            #expect(log.contains("broken"))
            #expect(log.contains("urgent"))
        }
    }

    @Test func checkRulesCommand() throws {
        let events = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString).ndjson")
        try """
        {"message": "Failed password for root from 10.0.0.5 port 22 ssh2", "fields": {"program": "sshd"}}
        Jan  1 00:00:00 web sudo[12]: alice : 3 incorrect password attempts ; TTY=pts/0 ; USER=root ; COMMAND=/bin/ls
        nothing to see here
        """.write(to: events, atomically: true, encoding: .utf8)
        let (status, output) = try runSiemd(["check-rules", "--rules", "rules/default.yml", "--events", events.path])
        #expect(status == 0)
        let ruleIDs = output.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }.compactMap { $0["rule_id"] as? String }
        #expect(ruleIDs == ["ssh_failed_password", "sudo_auth_failure"])
        let (badStatus, _) = try runSiemd(["check-rules", "--rules", "/nonexistent.yml"])
        #expect(badStatus != 0)
    }
}
