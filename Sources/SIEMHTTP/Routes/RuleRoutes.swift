import Foundation
import Hummingbird
import SIEMCore
import SIEMEngine
import SIEMRules

/// `GET /rules` (every loaded and skipped rule, filtered and paged) and `POST /rules/reload`
/// (admins only, by its `x-siem-roles`; the audit middleware records who reloaded).
struct RuleRoutes: Sendable {
    let rules: RuleService

    func register(on router: Router<SIEMRequestContext>) {
        router.get("/rules") { request, _ in try list(request) }
        router.post("/rules/reload") { _, _ in await reload() }
    }

    /// The catalog in load order, filtered; `cursor` is the position of the page's first rule among
    /// the matching ones, so `next_cursor` pages on as it does for the other listings.
    func list(_ request: Request) throws -> Response {
        let parameters = try QueryParameters(request, route: "GET /rules")
        let filter = try RuleFilter(parameters)
        let limit = try parameters.limit()
        let catalog = rules.catalog()
        let matching = catalog.filter(filter.admits)
        let start = min(Int(clamping: try parameters.cursor() ?? 0), matching.count)
        let page = matching[start...].prefix(limit)
        let end = start + page.count
        let loaded = catalog.count(where: { $0.status == RuleFilter.Status.loaded.rawValue })
        return JSONBody.response { body in
            body.object([
                ("items", { body in body.array(Array(page)) { $0.rule($1) } }),
                ("next_cursor", { $0.optional(end < matching.count ? String(end) : nil) }),
                ("loaded", { $0.raw(String(loaded)) }),
                ("skipped", { $0.raw(String(catalog.count - loaded)) }),
                ("total", { $0.raw(String(matching.count)) }),
                ("returned", { $0.raw(String(page.count)) }),
            ])
        }
    }

    func reload() async -> Response {
        let report = await rules.reloadInBackground()
        return JSONBody.response { $0.ruleReload(report) }
    }
}

extension JSONBody {
    /// A rule as `GET /rules` shows it.
    mutating func rule(_ rule: RuleStatus) {
        object([
            ("id", { $0.string(rule.id) }),
            ("title", { $0.string(rule.title) }),
            ("format", { $0.string(rule.format.rawValue) }),
            ("level", { $0.string(rule.level) }),
            ("severity", { $0.optional(rule.severity?.rawValue) }),
            ("status", { $0.string(rule.status) }),
            ("reason", { $0.optional(rule.reason) }),
            ("tags", { body in body.array(rule.tags) { $0.string($1) } }),
            ("author", { $0.string(rule.author) }),
            ("file", { $0.string(rule.file) }),
            ("logsource", { $0.value(.object(rule.logsource.mapValues(JSONValue.string))) }),
            ("description", { $0.string(rule.description) }),
            ("references", { body in body.array(rule.references) { $0.string($1) } }),
            ("falsepositives", { body in body.array(rule.falsePositives) { $0.string($1) } }),
            ("matches", { $0.raw(String(rule.matches)) }),
            ("last_match", { $0.optionalDate(rule.lastMatch) }),
            ("evaluations", { $0.raw(String(rule.evaluations)) }),
            ("cost_ns_per_event", { $0.raw(Self.nanoseconds(rule.costNanosPerEvent)) }),
        ])
    }

    /// What `POST /rules/reload` did.
    mutating func ruleReload(_ report: RuleReloadReport) {
        object([
            ("loaded", { $0.raw(String(report.loaded)) }),
            ("skipped", { $0.raw(String(report.skipped)) }),
            ("added", { body in body.array(report.added) { $0.string($1) } }),
            ("removed", { body in body.array(report.removed) { $0.string($1) } }),
            ("changed", { body in body.array(report.changed) { $0.string($1) } }),
            (
                "failed_files",
                { body in
                    body.array(report.failedFiles) { body, failure in
                        body.object([("path", { $0.string(failure.path) }), ("reason", { $0.string(failure.reason) })])
                    }
                }
            ),
        ])
    }

    /// A cost to a tenth of a nanosecond, or `null` when never measured (or not a finite figure).
    static func nanoseconds(_ value: Double?) -> String {
        guard let value, value.isFinite, value >= 0 else { return "null" }
        return String((value * 10).rounded() / 10)
    }
}
