import AsyncHTTPClient
import Foundation
import SIEMStore
import SIEMTestSupport
import Testing

/// The synthetic day of logs (`Tests/Fixtures/synthetic`, truth in its `expected.json`) shipped
/// through a real siemd with the shipped rules: every attack is named once by a threshold or
/// correlation alert with its attacker, and no benign host raises one.
@Suite(.serialized) struct SyntheticAttackTests {
    static let folder = repositoryRoot.appendingPathComponent("Tests/Fixtures/synthetic")

    /// The threshold and correlation alerts each attack must raise: rule → group values (ASCII
    /// case ignored) of the one alert it raises for that attack.
    static let attacks: [(rule: String, group: [String: String], attack: String)] = [
        ("ssh_brute_force", ["source.ip": "203.0.113.45", "host": "bastion"], "auth.log brute force"),
        (
            "ssh_brute_force", ["source.ip": "203.0.113.45", "host": "app01.example.com"],
            "syslog-rfc5424.log brute force of app01"
        ),
        ("ssh_password_spray", ["source.ip": "198.51.100.77"], "auth.log password spray"),
        ("ssh_login_after_spray", ["source.ip": "198.51.100.77"], "auth.log login as intern after the spray"),
        ("sudo_abuse_after_login", ["user.name": "intern"], "auth.log sudo attempts after the login"),
        ("network_port_scan", ["source.ip": "198.51.100.23"], "ufw.log port scan"),
        ("dns_tunnel", ["source.ip": "10.0.5.23"], "named-queries.log DNS tunnel"),
        ("dns_amplification", ["source.ip": "203.0.113.250"], "named-queries.log ANY reflection"),
        (
            "dhcp_starvation", ["host": "dhcp01", "observer.ingress.interface.name": "eth1"],
            "dhcpd.log DHCP starvation"
        ),
        ("web_scan", ["source.ip": "198.51.100.23"], "web-attacks.log Nikto scan"),
        ("credential_stuffing", ["source.ip": "203.0.113.150"], "syslog-rfc5424.log SSO credential stuffing"),
        (
            "windows_logon_brute_force", ["source.ip": "203.0.113.99", "host": "RDS01.corp.example.com"],
            "windows-4625.ndjson RDP brute force"
        ),
        ("windows_logon_after_brute_force", ["source.ip": "203.0.113.99"], "windows-4625.ndjson 4624 after it"),
    ]

    /// NDJSON ingest lines for one file: text lines as messages, Windows records as fields.
    static func ingestLines(_ file: String) throws -> [String] {
        let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            // A Windows record as a shipper forwards it: its fields, and a short rendered message.
            if file.hasSuffix(".ndjson") {
                return #"{"source": "windows", "message": "Windows event", "fields": \#(line)}"#
            }
            let object: [String: Any] = ["message": String(line), "source": "syslog"]
            return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
    }

    static func alerts(_ siemd: SiemdProcess, kind: String) async throws -> [[String: Any]] {
        var all: [[String: Any]] = []
        var cursor: String?
        repeat {
            let url = siemd.baseURL + "/alerts?kind=\(kind)&limit=500" + (cursor.map { "&cursor=\($0)" } ?? "")
            let response = try await http(.GET, url)
            #expect(response.status == 200, "\(response.body)")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
            all += body["items"] as? [[String: Any]] ?? []
            cursor = body["next_cursor"] as? String
        } while cursor != nil
        return all
    }

    static func group(_ alert: [String: Any]) -> [String: String] {
        (alert["group"] as? [String: Any] ?? [:]).mapValues { "\($0)".lowercased() }
    }

    @Test func everyAttackIsOneAlertWithItsAttackerAndBenignHostsRaiseNone() async throws {
        let directory = try TemporaryDirectory(prefix: "siemd-synthetic")
        defer { withExtendedLifetime(directory) {} }
        let siemd = try SiemdProcess(arguments: ["--db", directory.databasePath])
        defer { _ = siemd.stop(signal: SIGTERM) }
        let files = [
            "auth.log", "ufw.log", "named-queries.log", "dhcpd.log", "web-attacks.log", "syslog-rfc5424.log",
            "windows-4625.ndjson",
        ]
        for file in files {
            let lines = try Self.ingestLines(file)
            for start in stride(from: 0, to: lines.count, by: 250) {
                let body = lines[start..<min(start + 250, lines.count)].joined(separator: "\n")
                let response = try await http(
                    .POST, siemd.baseURL + "/ingest", body: body, contentType: "application/x-ndjson")
                #expect(response.status == 200, "\(file): \(response.body)")
            }
        }
        let raised = try await Self.alerts(siemd, kind: "threshold") + Self.alerts(siemd, kind: "correlation")
        var report: [String] = []
        for (rule, group, attack) in Self.attacks {
            let expected = group.mapValues { $0.lowercased() }
            let found = raised.filter { alert in
                alert["rule_id"] as? String == rule
                    && expected.allSatisfy { Self.group(alert)[$0.key] == $0.value }
            }
            #expect(found.count == 1, "\(attack): \(rule) raised \(found.count) alerts for \(group)")
            if let alert = found.first {
                let ids = alert["event_ids"] as? [Any] ?? []
                #expect((alert["count"] as? Int ?? 0) >= 2 && !ids.isEmpty, "\(attack): \(alert)")
                report.append("| \(attack) | \(rule) | \(alert["count"] ?? "?") | \(alert["first_seen"] ?? "") |")
            }
        }
        // Benign hosts: every threshold or correlation alert is about an attacker of expected.json
        // (by address, or the starved DHCP interface, or the intern account the spray broke into).
        let truth = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: Self.folder.appendingPathComponent("expected.json")))
                as? [String: Any])
        let attackers = Set((truth["attacker_ips"] as? [String: Any] ?? [:]).keys).union(["10.0.5.23"])
        for alert in raised {
            let group = Self.group(alert)
            if let ip = group["source.ip"] {
                #expect(attackers.contains(ip), "benign \(ip) raised \(alert["rule_id"] ?? "")")
            } else if let user = group["user.name"] {
                #expect(user == "intern", "benign user \(user) raised \(alert["rule_id"] ?? "")")
            } else {
                #expect(group["observer.ingress.interface.name"] == "eth1", "unexpected \(alert)")
            }
        }
        print(
            (["| attack | alert | count | first seen |", "| --- | --- | ---: | --- |"] + report).joined(separator: "\n")
        )
    }
}
