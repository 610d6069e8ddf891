import Foundation
import Hummingbird
import SIEMCore
import SIEMRules
import SIEMStore

/// `GET /alerts`, `GET /alerts/{id}`, `GET /alerts/{id}/events`, triage (`PATCH /alerts/{id}`,
/// `PATCH /alerts`, in `AlertRoutes+Triage.swift`) and the summaries (`GET /alerts/groups`,
/// `GET /attack`, in `AlertSummaryRoutes.swift`).
struct AlertRoutes: Sendable {
    let store: any EventStore
    let maxBodyBytes: Int
    var triage: AlertTriageService { AlertTriageService(store: store) }

    func register(on router: Router<SIEMRequestContext>) {
        router.get("/alerts") { request, _ in try await list(request) }
        router.patch("/alerts") { request, _ in try await triageMatching(request) }
        AlertSummaryRoutes(store: store).register(on: router)
        router.get("/alerts/{id}") { _, context in try await show(context) }
        router.patch("/alerts/{id}") { request, context in try await triageOne(request, context) }
        router.get("/alerts/{id}/events") { request, context in try await events(request, context) }
    }

    func list(_ request: Request) async throws -> Response {
        let query = try QueryParameters(request, route: "GET /alerts").alertQuery()
        let page = try await store.alerts(query)
        let events = try await store.events(ids: page.items.compactMap(\.eventID))
        return JSONBody.response { body in
            body.object([
                (
                    "items",
                    { body in body.array(page.items) { $0.alert($1, event: $1.eventID.flatMap { events[$0] }) } }
                ),
                ("next_cursor", { $0.optional(page.nextCursor) }),
            ])
        }
    }

    func show(_ context: SIEMRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw APIError.invalid("the alert id must be a whole number")
        }
        guard let alert = try await store.alert(id: id) else { throw APIError.notFound("no alert with id \(id)") }
        let event = try await alert.eventID.asyncFlatMap { try await store.event(id: $0) }
        return JSONBody.response { $0.alert(alert, event: event) }
    }

    /// Every event behind the alert, newest first, a page at a time.
    func events(_ request: Request, _ context: SIEMRequestContext) async throws -> Response {
        let parameters = try QueryParameters(request, route: "GET /alerts/{id}/events")
        let id = try context.id("alert")
        let (limit, cursor) = (try parameters.limit(), try parameters.cursor())
        guard try await store.alert(id: id) != nil else { throw APIError.notFound("no alert with id \(id)") }
        let page = try await store.alertEvents(id: id, limit: limit, cursor: cursor)
        return JSONBody.response { body in
            body.object([
                ("items", { body in body.array(page.items) { $0.event($1) } }),
                ("next_cursor", { $0.optional(page.nextCursor) }),
            ])
        }
    }
}

extension QueryParameters {
    /// `tag`: alerts that carry this tag.
    func alertTag() throws(APIError) -> String? {
        guard let tag = string("tag") else { return nil }
        guard tag.count <= RuleFilter.longest else {
            throw .invalid("`tag` may be at most \(RuleFilter.longest) characters")
        }
        return tag
    }

    /// `rule_format`: `native`, `sigma`, or `ti` (threat-intel matches), in any case.
    func ruleFormat() throws(APIError) -> String? {
        guard let name = string("rule_format")?.lowercased() else { return nil }
        guard Self.alertRuleFormats.contains(name) else {
            throw .invalid("`rule_format` must be one of \(Self.alertRuleFormats.joined(separator: ", "))")
        }
        return name
    }

    static let alertRuleFormats = RuleFormat.allCases.map(\.rawValue) + ["ti"]
}

extension Optional {
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
