import Foundation
import Hummingbird
import HummingbirdCore
import SIEMCore
import SIEMEngine
import SIEMStore

/// `POST|GET /mdr/incidents`, `GET|POST|PATCH /mdr/incidents/{id}`, `POST /mdr/incidents/{id}/notes`,
/// `POST /mdr/incidents/{id}/alerts`.
///
/// Who made a change is the authenticated identity; without authentication, the request's `actor`
/// member, else its `x-siem-user` header, else `api` (the author for notes).
struct IncidentRoutes: Sendable {
    let incidents: IncidentService
    let maxBodyBytes: Int

    func register(on router: Router<SIEMRequestContext>) {
        router.post("/mdr/incidents") { request, context in try await create(request, context) }
        router.get("/mdr/incidents") { request, _ in try await list(request) }
        router.get("/mdr/incidents/{id}") { _, context in try await show(context) }
        router.post("/mdr/incidents/{id}") { request, context in try await update(request, context) }
        router.patch("/mdr/incidents/{id}") { request, context in try await update(request, context) }
        router.post("/mdr/incidents/{id}/notes") { request, context in try await addNote(request, context) }
        router.post("/mdr/incidents/{id}/alerts") { request, context in try await linkAlerts(request, context) }
    }

    func create(_ request: Request, _ context: SIEMRequestContext) async throws -> Response {
        let body = try await JSONRequestBody.read(request, limit: maxBodyBytes)
        let actor = try self.actor(body, request, context)
        let (status, resolution) = try statusAndResolution(body)
        let draft = IncidentService.Draft(
            alertID: try body.int("alert_id", in: 1...Int64.max),
            title: try body.nonEmptyString("title", maxLength: 500), severity: try body.severity(),
            description: try body.string("description"), status: status, resolution: resolution,
            assignedTo: try body.nonEmptyString("assigned_to", maxLength: 200))
        let stored = try await incidents.create(draft, actor: actor)
        return JSONBody.response(status: .created) { $0.incident(stored) }
    }

    func list(_ request: Request) async throws -> Response {
        let parameters = try QueryParameters(request, route: "GET /mdr/incidents")
        var status: IncidentStatus?
        if let text = parameters.string("status") {
            guard let parsed = IncidentStatus(rawValue: text.lowercased()) else { throw Self.unknownStatus }
            status = parsed
        }
        let page = try await incidents.incidents(
            IncidentQuery(
                limit: try parameters.limit(), cursor: try parameters.cursor(), status: status,
                assignedTo: parameters.string("assigned_to"), severity: try parameters.severity()))
        return JSONBody.response { body in
            body.object([
                ("items", { body in body.array(page.items) { $0.incident($1) } }),
                ("next_cursor", { $0.optional(page.nextCursor) }),
            ])
        }
    }

    func show(_ context: SIEMRequestContext) async throws -> Response {
        let found = try await incidents.details(id: try context.id("incident"))
        return JSONBody.response { body in
            body.incident(
                found.details.incident,
                extra: [
                    (
                        "alerts",
                        { body in
                            body.array(found.alerts) { $0.alert($1, event: $1.eventID.flatMap { found.events[$0] }) }
                        }
                    ),
                    ("notes", { body in body.array(found.details.notes) { $0.note($1) } }),
                    ("timeline", { body in body.array(found.details.timeline) { $0.change($1) } }),
                ])
        }
    }

    func update(_ request: Request, _ context: SIEMRequestContext) async throws -> Response {
        let id = try context.id("incident")
        let body = try await JSONRequestBody.read(request, limit: maxBodyBytes)
        let (status, resolution) = try statusAndResolution(body)
        var update = IncidentUpdate(
            title: try body.nonEmptyString("title", maxLength: 500), severity: try body.severity(), status: status,
            resolution: resolution)
        if body.has("assigned_to") {
            let assignee = try body.string("assigned_to")?.trimmingCharacters(in: .whitespacesAndNewlines)
            update.assignedTo = .some(assignee?.isEmpty == false ? assignee : nil)
        }
        let incident = try await incidents.update(id: id, update, actor: try actor(body, request, context))
        return JSONBody.response { $0.incident(incident) }
    }

    func addNote(_ request: Request, _ context: SIEMRequestContext) async throws -> Response {
        let id = try context.id("incident")
        let body = try await JSONRequestBody.read(request, limit: maxBodyBytes)
        guard let text = try body.nonEmptyString("note", maxLength: 100_000) else {
            throw APIError.invalid("`note` is required")
        }
        let author =
            try context.identity?.name ?? body.nonEmptyString("author", maxLength: 200) ?? actor(body, request, context)
        let note = try await incidents.addNote(incidentID: id, author: author, note: text)
        return JSONBody.response(status: .created) { $0.note(note) }
    }

    func linkAlerts(_ request: Request, _ context: SIEMRequestContext) async throws -> Response {
        let id = try context.id("incident")
        let body = try await JSONRequestBody.read(request, limit: maxBodyBytes)
        var alertIDs: [Int64] = []
        if let single = try body.int("alert_id", in: 1...Int64.max) { alertIDs.append(single) }
        switch body.members["alert_ids"] {
        case nil, .null?: break
        case .array(let items)?:
            for item in items {
                guard case .int(let value) = item, value > 0 else {
                    throw APIError.invalid("`alert_ids` must be an array of alert ids")
                }
                alertIDs.append(value)
            }
        default: throw APIError.invalid("`alert_ids` must be an array of alert ids")
        }
        let incident = try await incidents.linkAlerts(
            alertIDs, toIncident: id, actor: try actor(body, request, context))
        return JSONBody.response { $0.incident(incident) }
    }

    // MARK: Helpers

    static let unknownStatus = APIError.invalid(
        "`status` must be one of open, acknowledged, in_progress, resolved, closed (or false_positive)")

    /// `status` and `resolution`; `"status": "false_positive"` means resolved as a false positive.
    func statusAndResolution(_ body: JSONRequestBody) throws(APIError) -> (IncidentStatus?, IncidentResolution?) {
        var status: IncidentStatus?
        var resolution: IncidentResolution?
        if let text = try body.string("resolution") {
            guard let parsed = IncidentResolution(rawValue: text.lowercased()) else {
                throw .invalid("`resolution` must be one of true_positive, false_positive, benign, duplicate")
            }
            resolution = parsed
        }
        if let text = try body.string("status")?.lowercased() {
            if text == "false_positive" {
                status = .resolved
                resolution = .falsePositive
            } else {
                guard let parsed = IncidentStatus(rawValue: text) else { throw Self.unknownStatus }
                status = parsed
            }
        }
        return (status, resolution)
    }

    /// Who makes a change: the authenticated identity (what the client says is then ignored),
    /// else the body's `actor`, else `x-siem-user`, else `api`.
    func actor(_ body: JSONRequestBody, _ request: Request, _ context: SIEMRequestContext) throws(APIError)
        -> String
    {
        if let identity = context.identity { return identity.name }
        if let actor = try body.nonEmptyString("actor", maxLength: 200) { return actor }
        if let header = request.headers.first(where: { $0.name.canonicalName == "x-siem-user" })?.value,
            !header.isEmpty
        {
            return String(header.prefix(200))
        }
        return "api"
    }
}
