import Foundation
import NIOHTTP1
import SIEMCore
import SIEMStore
import SIEMTestSupport
import Testing

@testable import SIEMHTTP

/// Alerts carry their evidence and analysts triage them, against a live siemd on loopback (real
/// SQLite file, real HTTP): the status, assignee, kind and group filters of `GET /alerts`,
/// `PATCH /alerts/{id}` and bulk `PATCH /alerts` (refused unfiltered, audited with the identity,
/// refused to read-only roles), `GET /alerts/{id}/events`, `GET /alerts/groups` and `GET /attack`.
@Suite struct AlertTriageTests {
    static let analyst = ("x-api-key", "alice-key")
    static let admin = ("x-api-key", "root-key")
    static let reader = ("x-api-key", "viewer-key")
    static let agent = ("x-api-key", "probe-key")

    /// The alerts `seed` writes.
    struct Seeded: Sendable {
        var brute: Alert.ID
        /// Every event behind `brute`, oldest first.
        var bruteEvents: [Event.ID]
        var spray: Alert.ID
        var portScans: [Alert.ID]
        var shell: Alert.ID
        var cron: Alert.ID
        var old: Alert.ID
        static let total = 8
    }

    /// Writes alerts as the pipeline would, through the store: two threshold alerts of one SSH
    /// brute-force rule with their evidence and groups, one-event alerts with ATT&CK tags, and one
    /// raised 30 hours ago (outside a day's window).
    static func seed(_ store: any EventStore, now: Date = Date()) async throws -> Seeded {
        func event(_ message: String, ip: String, at time: Date) -> Event {
            Event(
                ts: time, receivedAt: now, source: "syslog", host: "bastion", message: message,
                normalized: ["source.ip": .string(ip)], ips: [ip])
        }
        func threshold(
            _ ip: String, count: Int, group: [String: JSONValue], at time: Date
        ) async throws -> (Alert.ID, [Event.ID]) {
            let attempts = try await store.insert(
                (0..<(count - 1)).map { index in
                    EventWrite(
                        event: event(
                            "Failed password for root from \(ip) port \(40_000 + index) ssh2", ip: ip,
                            at: time.addingTimeInterval(Double(index))), alerts: [])
                })
            let evidence = attempts.compactMap(\.event.id)
            let last = time.addingTimeInterval(Double(count - 1))
            let alert = Alert(
                ts: last, createdAt: now, ruleID: "ssh_brute_force", title: "SSH brute force from \(ip)",
                severity: .high, tags: ["attack.credential_access", "attack.t1110"], kind: .threshold, count: count,
                firstSeen: time, lastSeen: last, eventIDs: evidence, group: group,
                suppression: AlertSuppression(
                    key: "ssh_brute_force|\(ip)", scope: .burst(isNew: true), evidence: evidence))
            let closing = try await store.insert([
                EventWrite(
                    event: event("Failed password for root from \(ip) port 50000 ssh2", ip: ip, at: last),
                    alerts: [alert])
            ])
            let id = try #require(closing.first?.alerts.first?.id)
            return (id, evidence + [try #require(closing.first?.event.id)])
        }
        func single(_ rule: String, tags: [String], createdAt: Date = now) async throws -> Alert.ID {
            let stored = try await store.insert([
                EventWrite(
                    event: event("\(rule) seen", ip: "192.0.2.10", at: createdAt),
                    alerts: [
                        Alert(
                            ts: createdAt, createdAt: createdAt, ruleID: rule, title: "\(rule) title",
                            severity: .medium,
                            tags: tags)
                    ])
            ])
            return try #require(stored.first?.alerts.first?.id)
        }
        let old = try await single(
            "old_rule", tags: ["attack.impact", "attack.t1485"],
            createdAt: now.addingTimeInterval(-30 * 3600 + 600))
        let (brute, bruteEvents) = try await threshold(
            "203.0.113.45", count: 12, group: ["source.ip": .string("203.0.113.45")], at: now.addingTimeInterval(-300))
        let (spray, _) = try await threshold(
            "198.51.100.7", count: 5, group: ["source.ip": .string("198.51.100.7"), "user.name": .string("Root")],
            at: now.addingTimeInterval(-200))
        var portScans: [Alert.ID] = []
        for _ in 0..<3 { portScans.append(try await single("port_scan", tags: ["attack.discovery", "attack.T1046"])) }
        let shell = try await single("shell_spawn", tags: ["attack.t1059"])
        let cron = try await single("cron_job", tags: ["attack.execution", "attack.persistence", "attack.t1053.003"])
        return Seeded(
            brute: brute, bruteEvents: bruteEvents, spray: spray, portScans: portScans, shell: shell, cron: cron,
            old: old)
    }

    static func withSeededSIEM(_ body: @Sendable (LiveServer, Seeded) async throws -> Void) async throws {
        try await withLiveSIEM(configure: IdentityTests.configure) { server in
            try await body(server, try await seed(server.store))
        }
    }

    static func ids(_ response: LiveResponse) -> [Int64] {
        (response.json["items"] as? [[String: Any]] ?? []).compactMap { ($0["id"] as? NSNumber)?.int64Value }
    }

    static func patch(_ server: LiveServer, _ path: String, _ body: String, as key: (String, String) = analyst)
        async throws -> LiveResponse
    {
        try await server.call(.PATCH, path, headers: [key], body: body)
    }

    @Test func listsFilterByStatusAssigneeKindAndGroup() async throws {
        try await Self.withSeededSIEM { server, seeded in
            let all = try await server.call("/alerts", headers: [Self.reader])
            #expect(all.status == 200, "\(all.body)")
            #expect(Self.ids(all).count == Seeded.total)
            let brute = try #require(
                (all.json["items"] as? [[String: Any]])?.first { $0["id"] as? Int == Int(seeded.brute) })
            #expect(brute["kind"] as? String == "threshold")
            #expect(brute["count"] as? Int == 12)
            #expect(brute["status"] as? String == "open")
            #expect(brute["assigned_to"] is NSNull)
            #expect((brute["group"] as? [String: Any])?["source.ip"] as? String == "203.0.113.45")
            let sample = try #require(brute["event_ids"] as? [Int])
            #expect(sample.count == 10 && Set(sample).isSubset(of: Set(seeded.bruteEvents.map(Int.init))))

            let thresholds = try await server.call("/alerts?kind=threshold", headers: [Self.reader])
            #expect(Set(Self.ids(thresholds)) == [seeded.brute, seeded.spray])
            let byAddress = try await server.call("/alerts?group.source.ip=203.0.113.45", headers: [Self.reader])
            #expect(Self.ids(byAddress) == [seeded.brute])
            // Group values compare ignoring case; several group filters must all hold.
            let byUser = try await server.call(
                "/alerts?group.user.name=ROOT&group.source.ip=198.51.100.7&rule_id=ssh_brute_force",
                headers: [Self.reader])
            #expect(Self.ids(byUser) == [seeded.spray])
            let none = try await server.call("/alerts?group.user.name=root&group.source.ip=203.0.113.45")
            #expect(none.status == 401, "authentication is on")
            let noMatch = try await server.call(
                "/alerts?group.user.name=root&group.source.ip=203.0.113.45", headers: [Self.reader])
            #expect(Self.ids(noMatch).isEmpty)

            let acknowledged = try await Self.patch(
                server, "/alerts/\(seeded.spray)", #"{"status":"acknowledged","assigned_to":"alice"}"#)
            #expect(acknowledged.status == 200, "\(acknowledged.body)")
            let closed = try await Self.patch(server, "/alerts/\(seeded.shell)", #"{"status":"closed"}"#)
            #expect(closed.status == 200, "\(closed.body)")

            #expect(
                Self.ids(try await server.call("/alerts?status=acknowledged", headers: [Self.reader])) == [seeded.spray]
            )
            #expect(
                Self.ids(try await server.call("/alerts?status=open", headers: [Self.reader])).count == Seeded.total - 2
            )
            let two = try await server.call("/alerts?status=acknowledged,CLOSED", headers: [Self.reader])
            #expect(Set(Self.ids(two)) == [seeded.spray, seeded.shell])
            #expect(
                Self.ids(try await server.call("/alerts?assigned_to=alice", headers: [Self.reader])) == [seeded.spray])
            let unassigned = try await server.call("/alerts?assigned_to=", headers: [Self.reader])
            #expect(Self.ids(unassigned).count == Seeded.total - 1)
            // Every existing filter still works beside the new ones.
            let mixed = try await server.call(
                "/alerts?rule_id=port_scan&severity=medium&tag=attack.t1046&status=open&limit=2", headers: [Self.reader]
            )
            #expect(Self.ids(mixed).count == 2 && mixed.json["next_cursor"] is String)

            for bad in [
                "/alerts?status=resolved", "/alerts?status=open,bogus", "/alerts?status=open,", "/alerts?kind=burst",
                "/alerts?group.=x", "/alerts?group.source.ip=", "/alerts?group.a%20b=x",
            ] {
                let response = try await server.call(bad, headers: [Self.reader])
                #expect(response.isError(422), "\(bad): \(response.status) \(response.body)")
            }
            let unknown = try await server.call("/alerts?groups.source.ip=1.2.3.4", headers: [Self.reader])
            #expect(unknown.isError(400), "\(unknown.body)")
            #expect((unknown.json["detail"] as? String ?? "").contains("`group.<field>`"))
        }
    }

    @Test func patchOneAlertIsAuditedWithTheIdentityAndRefusedToReaders() async throws {
        try await Self.withSeededSIEM { server, seeded in
            let path = "/alerts/\(seeded.brute)"
            let changed = try await Self.patch(server, path, #"{"status":"acknowledged","assigned_to":" bob "}"#)
            #expect(changed.status == 200, "\(changed.body)")
            #expect(changed.json["status"] as? String == "acknowledged")
            #expect(changed.json["assigned_to"] as? String == "bob")
            #expect(changed.json["count"] as? Int == 12)
            #expect((changed.json["event"] as? [String: Any])?["id"] != nil)
            // Only the assignee: the status stays; null unassigns.
            let unassigned = try await Self.patch(server, path, #"{"assigned_to":null}"#, as: Self.admin)
            #expect(unassigned.json["assigned_to"] is NSNull)
            #expect(unassigned.json["status"] as? String == "acknowledged")
            #expect(try await server.call(path, headers: [Self.reader]).json["status"] as? String == "acknowledged")

            for key in [Self.reader, Self.agent] {
                let refused = try await Self.patch(server, path, #"{"status":"closed"}"#, as: key)
                #expect(
                    refused.isError(403) && refused.json["error"] as? String == "insufficient_role", "\(refused.body)")
                let bulk = try await Self.patch(server, "/alerts?all=true", #"{"status":"closed"}"#, as: key)
                #expect(bulk.isError(403), "\(bulk.body)")
            }
            #expect(try await server.call(path, headers: [Self.reader]).json["status"] as? String == "acknowledged")

            #expect(try await Self.patch(server, path, #"{"status":"#).isError(400))
            #expect(try await Self.patch(server, path, "[1]").isError(400))
            #expect(try await Self.patch(server, path, "").isError(400))
            #expect(try await Self.patch(server, path, "{}").isError(422))
            #expect(try await Self.patch(server, path, #"{"status":"resolved"}"#).isError(422))
            #expect(try await Self.patch(server, path, #"{"status":3}"#).isError(422))
            #expect(try await Self.patch(server, path, #"{"assigned_to":7}"#).isError(422))
            let long = String(repeating: "x", count: 201)
            #expect(try await Self.patch(server, path, #"{"assigned_to":"\#(long)"}"#).isError(422))
            #expect(try await Self.patch(server, "/alerts/999999", #"{"status":"closed"}"#).isError(404))
            #expect(try await Self.patch(server, "/alerts/abc", #"{"status":"closed"}"#).isError(404))

            let audit = try await server.call("/audit?action=PATCH%20/alerts/%7Bid%7D&limit=50", headers: [Self.admin])
            #expect(audit.status == 200, "\(audit.body)")
            let entries = audit.json["items"] as? [[String: Any]] ?? []
            let first = try #require(entries.last, "\(audit.body)")
            #expect(first["actor"] as? String == "alice" && first["role"] as? String == "analyst")
            #expect(first["status"] as? Int == 200 && first["target"] as? String == path)
            let details = try #require(first["details"] as? [String: Any])
            #expect(details["alert_ids"] as? [Int] == [Int(seeded.brute)])
            let change = try #require(details["change"] as? [String: Any])
            #expect(change["status"] as? String == "acknowledged" && change["assigned_to"] as? String == "bob")
            let unassign = try #require(entries.dropLast().last?["details"] as? [String: Any])
            #expect((unassign["change"] as? [String: Any])?["assigned_to"] is NSNull)
            #expect(entries.contains { $0["actor"] as? String == "viewer" && $0["status"] as? Int == 403 })
        }
    }

    @Test func bulkTriageByFilterIsRefusedUnfilteredCappedAndAudited() async throws {
        try await Self.withSeededSIEM { server, seeded in
            let refused = try await Self.patch(server, "/alerts", #"{"status":"closed"}"#)
            #expect(refused.isError(422), "\(refused.body)")
            #expect((refused.json["detail"] as? String ?? "").contains("all=true"))
            #expect(try await Self.patch(server, "/alerts?all=false", #"{"status":"closed"}"#).isError(422))
            #expect(try await Self.patch(server, "/alerts?all=maybe", #"{"status":"closed"}"#).isError(422))
            #expect(try await Self.patch(server, "/alerts?limit=5", #"{"status":"closed"}"#).isError(400))
            #expect(try await Self.patch(server, "/alerts?rule_id=port_scan", "{}").isError(422))
            let open = try await server.call("/alerts?status=open", headers: [Self.reader])
            #expect(Self.ids(open).count == Seeded.total, "a refused bulk changes nothing")

            let byGroup = try await Self.patch(
                server, "/alerts?rule_id=ssh_brute_force&group.source.ip=203.0.113.45",
                #"{"status":"false_positive"}"#)
            #expect(byGroup.status == 200, "\(byGroup.body)")
            #expect(byGroup.json["updated"] as? Int == 1 && byGroup.json["ids"] as? [Int] == [Int(seeded.brute)])
            #expect(byGroup.json["capped"] as? Bool == false)

            let scans = try await Self.patch(
                server, "/alerts?rule_id=port_scan&status=open", #"{"status":"closed","assigned_to":"carol"}"#)
            #expect(scans.json["updated"] as? Int == 3)
            #expect(scans.json["ids"] as? [Int] == seeded.portScans.reversed().map(Int.init), "newest first")
            let carol = try await server.call("/alerts?assigned_to=carol&status=closed", headers: [Self.reader])
            #expect(Set(Self.ids(carol)) == Set(seeded.portScans))

            let everything = try await Self.patch(
                server, "/alerts?all=true", #"{"assigned_to":"dave"}"#, as: Self.admin)
            #expect(everything.json["updated"] as? Int == Seeded.total, "\(everything.body)")
            let statuses = try await server.call("/alerts?assigned_to=dave&limit=100", headers: [Self.reader])
            let kept = (statuses.json["items"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
            #expect(kept.filter { $0 == "closed" }.count == 3, "assigning leaves the status")

            let audit = try await server.call("/audit?action=PATCH%20/alerts&limit=50", headers: [Self.admin])
            let entries = audit.json["items"] as? [[String: Any]] ?? []
            let scan = try #require(entries.first { ($0["details"] as? [String: Any])?["updated"] as? Int == 3 })
            #expect(scan["actor"] as? String == "alice")
            let details = try #require(scan["details"] as? [String: Any])
            #expect(details["filter"] as? [String: String] == ["rule_id": "port_scan", "status": "open"])
            #expect(details["alert_ids"] as? [Int] == seeded.portScans.reversed().map(Int.init))
            #expect(details["change"] as? [String: String] == ["status": "closed", "assigned_to": "carol"])
            #expect(details["all"] as? Bool == false)
            let all = try #require(entries.first { $0["actor"] as? String == "root" })
            #expect((all["details"] as? [String: Any])?["all"] as? Bool == true)
            #expect(entries.contains { $0["status"] as? Int == 422 && $0["actor"] as? String == "alice" })
        }
    }

    /// The cap: the newest `cap` alerts change and the answer says more matched.
    @Test func bulkTriageChangesAtMostTheCap() async throws {
        let directory = try TemporaryDirectory(prefix: "siem-triage")
        let store = try SQLiteEventStore(path: directory.databasePath, sync: .normal)
        let seeded = try await Self.seed(store)
        let service = AlertTriageService(store: store, cap: 2)
        var query = AlertQuery()
        query.ruleID = "port_scan"
        let outcome = try await service.triage(matching: query, all: false, AlertTriage(status: .closed))
        #expect(outcome.ids == Array(seeded.portScans.reversed().prefix(2)) && outcome.capped)
        let exact = try await service.triage(
            matching: AlertQuery(ruleID: "ssh_brute_force"), all: false, AlertTriage(assignedTo: .some("erin")))
        #expect(exact.ids.count == 2 && !exact.capped)
        await #expect(throws: InvalidInput.self) {
            try await service.triage(matching: AlertQuery(limit: 5), all: false, AlertTriage(status: .open))
        }
        await store.close()
    }

    @Test func alertEventsPageThroughEveryEventBehindAnAlert() async throws {
        try await Self.withSeededSIEM { server, seeded in
            var seen: [Int64] = []
            var path = "/alerts/\(seeded.brute)/events?limit=5"
            var pages = 0
            while true {
                let page = try await server.call(path, headers: [Self.reader])
                #expect(page.status == 200, "\(page.body)")
                let items = page.json["items"] as? [[String: Any]] ?? []
                #expect(items.allSatisfy { $0["message"] is String && $0["received_at"] is String })
                seen += Self.ids(page)
                pages += 1
                guard let cursor = page.json["next_cursor"] as? String, pages < 10 else { break }
                path = "/alerts/\(seeded.brute)/events?limit=5&cursor=\(cursor)"
            }
            #expect(pages == 3)
            #expect(seen == seeded.bruteEvents.reversed(), "every event, newest first")

            let single = try await server.call("/alerts/\(seeded.shell)/events", headers: [Self.reader])
            #expect(Self.ids(single).count == 1 && single.json["next_cursor"] is NSNull)
            #expect(try await server.call("/alerts/999999/events", headers: [Self.reader]).isError(404))
            #expect(try await server.call("/alerts/abc/events", headers: [Self.reader]).isError(404))
            #expect(
                try await server.call("/alerts/\(seeded.brute)/events?limit=0", headers: [Self.reader]).isError(422))
            #expect(
                try await server.call("/alerts/\(seeded.brute)/events?cursor=x", headers: [Self.reader]).isError(422))
            #expect(try await server.call("/alerts/\(seeded.brute)/events?q=x", headers: [Self.reader]).isError(400))
        }
    }

    @Test func groupsCountAlertsEventsStatusesAndHourlySparklines() async throws {
        try await Self.withSeededSIEM { server, seeded in
            _ = try await Self.patch(server, "/alerts/\(seeded.portScans[0])", #"{"status":"acknowledged"}"#)
            let byRule = try await server.call("/alerts/groups", headers: [Self.reader])
            #expect(byRule.status == 200, "\(byRule.body)")
            #expect(byRule.json["by"] as? String == "rule" && byRule.json["hours"] as? Int == 24)
            let rows = byRule.json["items"] as? [[String: Any]] ?? []
            #expect(rows.count == 4, "old_rule is outside the day: \(rows.compactMap { $0["rule_id"] })")
            let brute = try #require(rows.first { $0["rule_id"] as? String == "ssh_brute_force" })
            #expect(brute["alerts"] as? Int == 2 && brute["events"] as? Int == 17)
            #expect(brute["kind"] as? String == "threshold" && brute["severity"] as? String == "high")
            #expect(brute["group"] == nil)
            #expect(brute["latest_alert_id"] as? Int == Int(seeded.spray))
            let sparkline = try #require(brute["sparkline"] as? [Int])
            #expect(sparkline.count == 24 && sparkline.last == 2 && sparkline.reduce(0, +) == 2)
            let scans = try #require(rows.first { $0["rule_id"] as? String == "port_scan" })
            #expect(
                scans["statuses"] as? [String: Int] == ["open": 2, "acknowledged": 1, "closed": 0, "false_positive": 0])
            // Newest last_seen first: the brute force happened minutes ago, the others now.
            #expect(rows.last?["rule_id"] as? String == "ssh_brute_force")
            let lastSeen = rows.compactMap { $0["last_seen"] as? String }
            #expect(lastSeen == lastSeen.sorted(by: >))

            let byGroup = try await server.call(
                "/alerts/groups?by=group&rule_id=ssh_brute_force", headers: [Self.reader])
            let groups = byGroup.json["items"] as? [[String: Any]] ?? []
            #expect(groups.count == 2)
            let spray = try #require(groups.first { ($0["group"] as? [String: Any])?["user.name"] != nil })
            #expect(spray["group"] as? [String: String] == ["source.ip": "198.51.100.7", "user.name": "Root"])
            #expect(spray["alerts"] as? Int == 1 && spray["events"] as? Int == 5)

            let open = try await server.call("/alerts/groups?status=open&kind=event", headers: [Self.reader])
            let openRows = open.json["items"] as? [[String: Any]] ?? []
            #expect(Set(openRows.compactMap { $0["rule_id"] as? String }) == ["port_scan", "shell_spawn", "cron_job"])
            #expect(openRows.first { $0["rule_id"] as? String == "port_scan" }?["alerts"] as? Int == 2)

            // A wider window takes the old alert, in the hour it was raised (30 h ago, 10 min in).
            let wide = try await server.call("/alerts/groups?hours=48&rule_id=old_rule", headers: [Self.reader])
            let old = try #require((wide.json["items"] as? [[String: Any]])?.first)
            let oldLine = try #require(old["sparkline"] as? [Int])
            #expect(oldLine.count == 48 && oldLine[18] == 1 && oldLine.reduce(0, +) == 1, "\(oldLine)")
            let limited = try await server.call("/alerts/groups?limit=1", headers: [Self.reader])
            #expect((limited.json["items"] as? [Any])?.count == 1)

            for bad in ["by=host", "hours=0", "hours=721", "status=new", "limit=0", "since=2026-01-01T00:00:00Z"] {
                let response = try await server.call("/alerts/groups?\(bad)", headers: [Self.reader])
                #expect(response.isError(bad.hasPrefix("since") ? 400 : 422), "\(bad): \(response.body)")
            }
        }
    }

    @Test func attackMatrixCountsAlertsPerTacticAndTechnique() async throws {
        try await Self.withSeededSIEM { server, seeded in
            let matrix = try await server.call("/attack", headers: [Self.reader])
            #expect(matrix.status == 200, "\(matrix.body)")
            let tactics = matrix.json["tactics"] as? [[String: Any]] ?? []
            #expect(
                tactics.compactMap { $0["id"] as? String } == [
                    "reconnaissance", "resource_development", "initial_access", "execution", "persistence",
                    "privilege_escalation", "defense_evasion", "credential_access", "discovery", "lateral_movement",
                    "collection", "command_and_control", "exfiltration", "impact", "unmapped",
                ])
            func techniques(_ tactic: String) -> [String: Int] {
                let column = tactics.first { $0["id"] as? String == tactic }
                let items = column?["techniques"] as? [[String: Any]] ?? []
                return Dictionary(
                    uniqueKeysWithValues: items.map { ($0["id"] as? String ?? "", $0["alerts"] as? Int ?? 0) })
            }
            #expect(techniques("credential_access") == ["T1110": 2])
            #expect(techniques("discovery") == ["T1046": 3])
            #expect(techniques("execution") == ["T1053.003": 1] && techniques("persistence") == ["T1053.003": 1])
            #expect(techniques("unmapped") == ["T1059": 1])
            #expect(techniques("impact").isEmpty, "the old alert is outside the day")
            #expect(matrix.json["alerts"] as? Int == Seeded.total - 1)
            let credential = try #require(tactics.first { $0["id"] as? String == "credential_access" })
            #expect(
                credential["attack_id"] as? String == "TA0006" && credential["name"] as? String == "Credential Access")
            let discovery = try #require(tactics.first { $0["id"] as? String == "discovery" })
            let tag = try #require((discovery["techniques"] as? [[String: Any]])?.first?["tag"] as? String)
            #expect(tag == "attack.t1046")
            // The technique's tag lists its alerts.
            #expect(
                Set(Self.ids(try await server.call("/alerts?tag=\(tag)", headers: [Self.reader])))
                    == Set(seeded.portScans))

            _ = try await Self.patch(server, "/alerts?rule_id=port_scan", #"{"status":"closed"}"#)
            let open = try await server.call("/attack?status=open&hours=48", headers: [Self.reader])
            let openTactics = open.json["tactics"] as? [[String: Any]] ?? []
            #expect(openTactics.first { $0["id"] as? String == "discovery" }?["alerts"] as? Int == 0)
            #expect(openTactics.first { $0["id"] as? String == "impact" }?["alerts"] as? Int == 1)

            for bad in ["hours=0", "hours=x", "status=bogus"] {
                #expect(try await server.call("/attack?\(bad)", headers: [Self.reader]).isError(422), "\(bad)")
            }
            #expect(try await server.call("/attack?tag=x", headers: [Self.reader]).isError(400))
        }
    }

    /// Sigma's spelling of tactics (`attack.credential-access`) and unknown `attack.` tags.
    @Test func attackMatrixReadsSigmaTacticNames() {
        let matrix = AttackMatrix([
            AlertTagSet(tags: ["attack.credential-access", "attack.t1110.003", "attack.g0016"], alerts: 4),
            AlertTagSet(tags: ["attack.command-and-control"], alerts: 1),
            AlertTagSet(tags: ["cve.2021-44228", "attack.t10"], alerts: 9),
        ])
        #expect(matrix.alerts == 5)
        let credential = matrix.tactics.first { $0.id == "credential_access" }
        #expect(credential?.techniques == [.init(id: "T1110.003", tag: "attack.t1110.003", alerts: 4)])
        let command = matrix.tactics.first { $0.id == "command_and_control" }
        #expect(command?.alerts == 1 && command?.techniques.isEmpty == true && command?.name == "Command and Control")
        #expect(matrix.tactics.last?.id == "unmapped" && matrix.tactics.last?.alerts == 0)
    }
    /// The search sidebar's "leave out": `key!=value` on `/events`, `/search` and the histogram.
    @Test func eventFiltersLeaveValuesOut() async throws {
        try await withSIEM { client, _ async throws in
            let lines = [("alice", "10.0.0.5"), ("alice", "10.0.0.5"), ("bob", "10.0.0.6"), ("carol", "10.0.0.5")]
            let events = lines.map { user, ip in
                #"{"source":"syslog","host":"leave-out","fields":{"program":"sshd"},"message":"Failed password for invalid user \#(user) from \#(ip) port 53422 ssh2"}"#
            }
            try await client.post("/ingest", "[" + events.joined(separator: ",") + "]")
            func users(_ query: String) async throws -> [String] {
                let response = try await client.get("/events?host=leave-out&\(query)")
                #expect(response.status == .ok, "\(query): \(response.text)")
                return response.items.compactMap { ($0["normalized"] as? [String: Any])?["user.name"] as? String }
                    .sorted()
            }
            #expect(try await users("user.name!=alice") == ["bob", "carol"])
            #expect(try await users("user.name!=alice&source.ip!=10.0.0.6") == ["carol"])
            #expect(try await users("user.name!=alice&user.name!=bob") == ["carol"])
            #expect(try await users("source!=syslog").isEmpty)
            #expect(
                try await users("user.name!=") == ["alice", "alice", "bob", "carol"], "an empty value filters nothing")
            #expect(try await client.get("/events?host!=leave-out&user.name=alice").items.isEmpty)
            let text = try await client.get("/search?q=password&host=leave-out&user.name!=alice")
            #expect(text.items.count == 2)
            let histogram = try await client.get("/events/histogram?host=leave-out&user.name!=bob")
            #expect(
                (histogram.json["buckets"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == 3
            )
            expectError(try await client.get("/events?source.ip!=nope"), .unprocessableContent)
            expectError(try await client.get("/events?fields.program!=sshd"), .unprocessableContent)
            expectError(try await client.get("/events?hots!=x"), .badRequest)
        }
    }
}
