import Foundation
import Hummingbird
import SIEMCore
import SIEMEngine
import SIEMStore

/// `GET /health`, `GET /stats`.
struct HealthRoutes: Sendable {
    let store: any EventStore
    let version: String
    /// Counted at each call: a reload changes the number.
    let rules: RuleService

    func register(on router: Router<SIEMRequestContext>) {
        router.get("/health") { _, _ in try await health() }
        router.get("/stats") { request, _ in try await stats(request) }
    }

    func health() async throws -> Response {
        var reachable = true
        do { try await store.ping() } catch { reachable = false }
        let counts = try await store.counts()
        let index = await store.indexStatus()
        return JSONBody.response(status: reachable ? .ok : .serviceUnavailable) { body in
            body.object([
                ("status", { $0.string(reachable ? "ok" : "degraded") }),
                ("version", { $0.string(version) }),
                ("database", { body in body.object([("reachable", { $0.raw(reachable ? "true" : "false") })]) }),
                ("events", { $0.raw(String(counts.events)) }),
                ("alerts", { $0.raw(String(counts.alerts)) }),
                ("rules", { $0.raw(String(rules.current.rules.count)) }),
                ("index", { $0.indexStatus(index) }),
            ])
        }
    }

    func stats(_ request: Request) async throws -> Response {
        let hours = try QueryParameters(request, route: "GET /stats").int("hours", in: 1...8760, default: 24)!
        let since = Date().addingTimeInterval(-Double(hours) * 3600)
        let stats = try await store.stats(since: since)
        return JSONBody.response { body in
            body.object([
                ("hours", { $0.raw(String(hours)) }),
                ("since", { $0.date(since) }),
                ("events", { $0.raw(String(stats.eventsPerHour.reduce(0) { $0 + $1.count })) }),
                ("alerts", { $0.raw(String(stats.alertsPerHour.reduce(0) { $0 + $1.count })) }),
                ("events_per_hour", { $0.buckets(stats.eventsPerHour, key: "hour") }),
                ("alerts_per_hour", { $0.buckets(stats.alertsPerHour, key: "hour") }),
                ("events_by_source", { $0.buckets(stats.eventsBySource, key: "source") }),
                ("top_hosts", { $0.buckets(stats.topHosts, key: "host") }),
                ("top_rules", { $0.buckets(stats.topRules, key: "rule_id") }),
                ("alerts_by_severity", { $0.buckets(stats.alertsBySeverity, key: "severity") }),
                (
                    "totals",
                    { body in
                        body.object([
                            ("events", { $0.raw(String(stats.events)) }), ("alerts", { $0.raw(String(stats.alerts)) }),
                        ])
                    }
                ),
            ])
        }
    }
}

extension JSONBody {
    /// Where the search indexes stand: `mode` (`inline` or `background`), `lag_limit_ms`, the
    /// current `lag_ms` (age of the oldest event searches do not see yet), `pending` events,
    /// `indexed_id`, and the lag percentiles since start.
    mutating func indexStatus(_ status: IndexStatus) {
        func milliseconds(_ duration: Duration) -> String {
            String(Int64(duration / .milliseconds(1)))
        }
        var members: [(String, (inout JSONBody) -> Void)] = []
        switch status.mode {
        case .inline:
            members.append(("mode", { $0.string("inline") }))
        case .background(let lag):
            members.append(("mode", { $0.string("background") }))
            members.append(("lag_limit_ms", { $0.raw(milliseconds(lag)) }))
        }
        members += [
            ("lag_ms", { $0.raw(milliseconds(status.lag)) }),
            ("pending", { $0.raw(String(status.pending)) }),
            ("indexed_id", { $0.raw(String(status.indexedID)) }),
            ("lag_p99_ms", { $0.raw(milliseconds(status.lagP99)) }),
            ("lag_max_ms", { $0.raw(milliseconds(status.lagMax)) }),
        ]
        if let error = status.lastError { members.append(("last_error", { $0.string(error) })) }
        object(members)
    }
}
