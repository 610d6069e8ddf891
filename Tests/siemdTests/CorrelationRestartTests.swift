import AsyncHTTPClient
import Foundation
import SIEMTestSupport
import Testing

/// Threshold windows live in the database beside the events they counted: a restart inside a
/// window (graceful or kill -9) neither loses the count nor raises the alert again.
@Suite(.serialized) struct CorrelationRestartTests {
    static let rules = """
        rules:
          - id: restart_brute_force
            title: Restart brute force
            severity: high
            match: {contains: "restart-failure"}
            threshold: {count: 5, within: 10m, group_by: [host]}
          - id: restart_repeat
            title: Restart repeat
            severity: low
            match: {contains: "restart-repeat"}
            suppress: {by: [host], for: 1h}
        """

    static func ingest(_ siemd: SiemdProcess, _ message: String, at seconds: Int) async throws {
        let time = Date(timeIntervalSince1970: 1_773_446_400 + Double(seconds))
        let body = #"{"message": "\#(message) from 203.0.113.45", "host": "h", "ts": "\#(time.ISO8601Format())"}"#
        let response = try await http(.POST, siemd.baseURL + "/ingest", body: body)
        #expect(response.status == 200, "\(response.body)")
    }

    static func alerts(_ siemd: SiemdProcess, rule: String) async throws -> [[String: Any]] {
        let response = try await http(.GET, siemd.baseURL + "/alerts?rule_id=\(rule)")
        let body = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        return body?["items"] as? [[String: Any]] ?? []
    }

    @Test(arguments: [SIGTERM, SIGKILL])
    func aRestartInsideAWindowKeepsItsCountAndRaisesNoSecondAlert(signal: Int32) async throws {
        let directory = try TemporaryDirectory(prefix: "siemd-correlation")
        defer { withExtendedLifetime(directory) {} }
        let rules = directory.url.appendingPathComponent("rules.yml")
        try Self.rules.write(to: rules, atomically: true, encoding: .utf8)
        let arguments = ["--db", directory.databasePath, "--rules", rules.path]

        var siemd = try SiemdProcess(arguments: arguments)
        for second in [0, 10, 20] { try await Self.ingest(siemd, "restart-failure", at: second) }
        try await Self.ingest(siemd, "restart-repeat", at: 0)
        #expect(try await Self.alerts(siemd, rule: "restart_brute_force").isEmpty)
        _ = siemd.stop(signal: signal)

        // Two more in the same window after the restart: the five are counted together.
        siemd = try SiemdProcess(arguments: arguments)
        for second in [30, 40] { try await Self.ingest(siemd, "restart-failure", at: second) }
        var raised = try await Self.alerts(siemd, rule: "restart_brute_force")
        #expect(raised.count == 1)
        #expect(raised.first?["count"] as? Int == 5)
        #expect((raised.first?["event_ids"] as? [Any])?.count == 5)
        _ = siemd.stop(signal: signal)

        // The burst goes on after another restart: the same alert grows, no second one.
        siemd = try SiemdProcess(arguments: arguments)
        defer { _ = siemd.stop(signal: SIGTERM) }
        try await Self.ingest(siemd, "restart-failure", at: 50)
        try await Self.ingest(siemd, "restart-repeat", at: 60)
        raised = try await Self.alerts(siemd, rule: "restart_brute_force")
        #expect(raised.count == 1)
        #expect(raised.first?["count"] as? Int == 6)
        let id = try #require(raised.first?["id"] as? Int)
        let evidence = try await http(.GET, siemd.baseURL + "/alerts/\(id)/events?limit=100")
        let events = (try JSONSerialization.jsonObject(with: Data(evidence.body.utf8)) as? [String: Any])?["items"]
        #expect((events as? [Any])?.count == 6, "\(evidence.body)")
        // Suppression too survives restarts: the repeat joined the first alert.
        let repeats = try await Self.alerts(siemd, rule: "restart_repeat")
        #expect(repeats.count == 1)
        #expect(repeats.first?["count"] as? Int == 2)
    }
}
