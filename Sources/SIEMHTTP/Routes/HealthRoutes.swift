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
        return JSONBody.response(status: reachable ? .ok : .serviceUnavailable) { body in
            body.object([
                ("status", { $0.string(reachable ? "ok" : "degraded") }),
                ("version", { $0.string(version) }),
                ("database", { body in body.object([("reachable", { $0.raw(reachable ? "true" : "false") })]) }),
                ("events", { $0.raw(String(counts.events)) }),
                ("alerts", { $0.raw(String(counts.alerts)) }),
                ("rules", { $0.raw(String(rules.current.rules.count)) }),
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
