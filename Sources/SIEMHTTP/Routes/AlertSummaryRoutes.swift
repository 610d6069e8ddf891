import Foundation
import Hummingbird
import SIEMCore
import SIEMStore

/// `GET /alerts/groups` (alerts per rule, or per rule and group, with counts and a sparkline) and
/// `GET /attack` (the ATT&CK matrix of the alerts' rule tags), over the last `hours` of the time
/// alerts were raised.
struct AlertSummaryRoutes: Sendable {
    let store: any EventStore
    var now: @Sendable () -> Date = Date.init

    func register(on router: Router<SIEMRequestContext>) {
        router.get("/alerts/groups") { request, _ in try await groups(request) }
        router.get("/attack") { request, _ in try await attack(request) }
    }

    func groups(_ request: Request) async throws -> Response {
        let parameters = try QueryParameters(request, route: "GET /alerts/groups")
        let by = try parameters.grouping()
        let hours = try parameters.hours()
        var filter = try parameters.alertQuery(paged: false)
        let until = now()
        filter.since = until.addingTimeInterval(-Double(hours) * 3600)
        let groups = try await store.alertGroups(
            AlertGroupQuery(by: by, filter: filter, until: until, bucket: 3600, limit: try parameters.limit()))
        return JSONBody.response { body in
            body.object([
                ("by", { $0.string(by.rawValue) }),
                ("hours", { $0.raw(String(hours)) }),
                ("since", { $0.date(filter.since ?? until) }),
                ("until", { $0.date(until) }),
                ("bucket_seconds", { $0.raw("3600") }),
                ("items", { body in body.array(groups) { $0.alertGroup($1, withGroup: by == .group) } }),
            ])
        }
    }

    func attack(_ request: Request) async throws -> Response {
        let parameters = try QueryParameters(request, route: "GET /attack")
        let hours = try parameters.hours()
        var filter = AlertQuery()
        filter.statuses = try parameters.alertStatuses()
        let until = now()
        filter.since = until.addingTimeInterval(-Double(hours) * 3600)
        let matrix = AttackMatrix(try await store.alertTagSets(filter, until: until))
        return JSONBody.response { body in
            body.object([
                ("hours", { $0.raw(String(hours)) }),
                ("since", { $0.date(filter.since ?? until) }),
                ("until", { $0.date(until) }),
                ("alerts", { $0.raw(String(matrix.alerts)) }),
                ("tactics", { body in body.array(matrix.tactics) { $0.tactic($1) } }),
            ])
        }
    }
}

extension QueryParameters {
    /// `by`: `rule` (default) or `group`.
    func grouping() throws(APIError) -> AlertGroupQuery.Grouping {
        guard let text = string("by") else { return .rule }
        guard let by = AlertGroupQuery.Grouping(rawValue: text.lowercased()) else {
            throw .invalid("`by` must be rule or group")
        }
        return by
    }
}

extension JSONBody {
    mutating func alertGroup(_ group: AlertGroup, withGroup: Bool) {
        var members: [(String, (inout JSONBody) -> Void)] = [
            ("rule_id", { $0.string(group.ruleID) }),
            ("title", { $0.string(group.title) }),
            ("severity", { $0.string(group.severity.rawValue) }),
            ("kind", { $0.string(group.kind.rawValue) }),
        ]
        if withGroup { members.append(("group", { $0.value(.object(group.group)) })) }
        members += [
            ("alerts", { $0.raw(String(group.alerts)) }),
            ("events", { $0.raw(String(group.events)) }),
            ("first_seen", { $0.date(group.firstSeen) }),
            ("last_seen", { $0.date(group.lastSeen) }),
            (
                "statuses",
                { body in
                    body.object(
                        AlertStatus.allCases.map { status in
                            (status.rawValue, { $0.raw(String(group.statuses[status] ?? 0)) })
                        })
                }
            ),
            ("sparkline", { body in body.array(group.sparkline) { $0.raw(String($1)) } }),
            ("latest_alert_id", { $0.raw(String(group.latestAlertID)) }),
        ]
        object(members)
    }

    mutating func tactic(_ tactic: AttackMatrix.Tactic) {
        object([
            ("id", { $0.string(tactic.id) }),
            ("attack_id", { $0.optional(tactic.attackID) }),
            ("name", { $0.string(tactic.name) }),
            ("alerts", { $0.raw(String(tactic.alerts)) }),
            (
                "techniques",
                { body in
                    body.array(tactic.techniques) { body, technique in
                        body.object([
                            ("id", { $0.string(technique.id) }),
                            ("tag", { $0.string(technique.tag) }),
                            ("alerts", { $0.raw(String(technique.alerts)) }),
                        ])
                    }
                }
            ),
        ])
    }
}
