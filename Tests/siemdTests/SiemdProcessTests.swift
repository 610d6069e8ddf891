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

    /// A rule that cannot load is skipped with its reason; siemd starts with the others, shows the
    /// skipped rule in `/rules`, and reloads on SIGHUP.
    @Test func badRulesAreSkippedAndSIGHUPReloads() async throws {
        let directory = try TemporaryDirectory(prefix: "siemd")
        defer { withExtendedLifetime(directory) {} }
        let rules = directory.path("rules.yml")
        try "rules:\n  - id: broken\n    severity: urgent\n    match: {contains: x}\n".write(
            toFile: directory.path("a-broken.yml"), atomically: true, encoding: .utf8)
        try "rules:\n  - id: fine\n    match: {contains: fine}\n".write(
            toFile: rules, atomically: true, encoding: .utf8)
        let siemd = try SiemdProcess(arguments: [
            "--db", directory.databasePath, "--rules", "\(directory.path("a-broken.yml")),\(rules)",
        ])
        #expect(siemd.log.contains("rule skipped"))
        #expect(siemd.log.contains("broken"))
        let listing = try await http(.GET, siemd.baseURL + "/rules?status=skipped")
        #expect(listing.status == 200)
        #expect(listing.body.contains("urgent"))
        #expect(!listing.body.contains(#""id":"fine""#))

        try "rules:\n  - id: fine\n    match: {contains: fine}\n  - id: added_by_hup\n    match: {contains: hup}\n"
            .write(toFile: rules, atomically: true, encoding: .utf8)
        kill(siemd.process.processIdentifier, SIGHUP)
        var reloaded = false
        for _ in 0..<50 where !reloaded {
            let response = try await http(.GET, siemd.baseURL + "/rules?q=added_by_hup")
            reloaded = response.body.contains(#""id":"added_by_hup""#)
            if !reloaded { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(reloaded, "SIGHUP did not reload the rules")
        let ingest = try await http(.POST, siemd.baseURL + "/ingest", body: #"{"message": "a hup line"}"#)
        #expect(ingest.body.contains("added_by_hup"))
        #expect(siemd.stop(signal: SIGTERM) == 0)
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

    @Test func checkRulesSummaryStrictQuietAndEventTime() throws {
        let directory = try TemporaryDirectory(prefix: "check")
        defer { withExtendedLifetime(directory) {} }
        let rules = directory.path("mixed.yml")
        try """
        rules:
          - id: native_boom
            match: {field: fields.Image, endswith: boom.exe}
        ---
        title: Sigma boom
        id: 3f0a1c2e-0000-4000-8000-000000000001
        status: test
        logsource: {product: windows, category: process_creation}
        detection:
          selection:
            Image|endswith: '\\boom.exe'
          condition: selection
        level: high
        ---
        title: Old one
        id: 3f0a1c2e-0000-4000-8000-000000000002
        status: deprecated
        logsource: {product: windows}
        detection:
          selection: {Image: x}
          condition: selection
        """.write(toFile: rules, atomically: true, encoding: .utf8)
        let empty = directory.path("empty-config.yml")
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        var (status, output) = try runSiemd(["check-rules", "--rules", rules, "--sigma-config", empty])
        #expect(status == 0, "\(output)")
        #expect(output.contains("\(rules): skipped 3f0a1c2e-0000-4000-8000-000000000002: "))
        #expect(output.contains("deprecated"))
        #expect(output.contains("loaded 2, skipped 1"))
        (status, output) = try runSiemd(["check-rules", "--rules", rules, "--sigma-config", empty, "--strict"])
        #expect(status == 1)

        let events = directory.path("events.ndjson")
        try """
        {"Image": "C:\\\\Temp\\\\boom.exe", "TimeCreated_SystemTime": "2024-05-01T10:00:00.000Z"}
        {"Image": "C:\\\\Temp\\\\fine.exe"}
        """.write(toFile: events, atomically: true, encoding: .utf8)
        (status, output) = try runSiemd([
            "check-rules", "--rules", rules, "--sigma-config", empty, "--ignore-logsource", "--events", events,
        ])
        #expect(status == 0)
        let matches = output.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        #expect(matches.map { $0["rule_id"] as? String } == ["native_boom", "3f0a1c2e-0000-4000-8000-000000000001"])
        #expect(matches.map { $0["line"] as? Int } == [1, 1])
        #expect((matches.last?["event"] as? [String: Any])?["ts"] as? String == "2024-05-01T10:00:00.000Z")
        (status, output) = try runSiemd([
            "check-rules", "--rules", rules, "--sigma-config", empty, "--ignore-logsource", "--events", events,
            "--quiet",
        ])
        #expect(
            output == #"{"rule_id":"native_boom","line":1}"# + "\n"
                + #"{"rule_id":"3f0a1c2e-0000-4000-8000-000000000001","line":1}"# + "\n")
        // Without --ignore-logsource and with no configuration, the Sigma rule sees no event.
        (status, output) = try runSiemd(["check-rules", "--rules", rules, "--sigma-config", empty, "--events", events])
        #expect(output.split(separator: "\n").count == 1)
    }
}
