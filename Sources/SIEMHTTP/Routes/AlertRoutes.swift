import Foundation
import Hummingbird
import SIEMCore
import SIEMRules
import SIEMStore

/// `GET /alerts`, `GET /alerts/{id}`.
struct AlertRoutes: Sendable {
    let store: any EventStore

    func register(on router: Router<SIEMRequestContext>) {
        router.get("/alerts") { request, _ in try await list(request) }
        router.get("/alerts/{id}") { _, context in try await show(context) }
    }

    func list(_ request: Request) async throws -> Response {
        let parameters = try QueryParameters(request, route: "GET /alerts")
        let query = AlertQuery(
            limit: try parameters.limit(),
            cursor: try parameters.cursor(),
            ip: try parameters.ip(),
            agentID: parameters.string("agent_id"),
            ruleID: parameters.string("rule_id"),
            severity: try parameters.severity(),
            since: try parameters.date("since"),
            tag: try parameters.alertTag(),
            ruleFormat: try parameters.ruleFormat()
        )
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
