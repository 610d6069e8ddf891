import Foundation
import Hummingbird
import SIEMCore
import SIEMStore

/// `GET /audit`: the audit log, newest first (admins only, by its `x-siem-roles`).
struct AuditRoutes: Sendable {
    let store: any AuditStore

    func register(on router: Router<SIEMRequestContext>) {
        router.get("/audit") { request, _ in try await list(request) }
    }

    func list(_ request: Request) async throws -> Response {
        let parameters = try QueryParameters(request, route: "GET /audit")
        let page = try await store.audit(
            AuditQuery(
                limit: try parameters.limit(), cursor: try parameters.cursor(), actor: parameters.string("actor"),
                action: parameters.string("action"), since: try parameters.date("since"),
                until: try parameters.date("until")))
        return JSONBody.response { body in
            body.object([
                ("items", { body in body.array(page.items) { $0.auditEntry($1) } }),
                ("next_cursor", { $0.optional(page.nextCursor) }),
            ])
        }
    }
}

extension JSONBody {
    mutating func auditEntry(_ entry: AuditEntry) {
        object([
            ("id", { $0.raw(entry.id.map(String.init) ?? "null") }),
            ("at", { $0.date(entry.at) }),
            ("actor", { $0.string(entry.actor) }),
            ("role", { $0.optional(entry.role) }),
            ("address", { $0.optional(entry.address) }),
            ("action", { $0.string(entry.action) }),
            ("target", { $0.string(entry.target) }),
            ("status", { $0.raw(String(entry.status)) }),
            ("details", { $0.value(.object(entry.details)) }),
        ])
    }
}
