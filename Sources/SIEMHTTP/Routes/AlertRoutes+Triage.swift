import Foundation
import Hummingbird
import SIEMCore
import SIEMStore

/// `PATCH /alerts/{id}` and `PATCH /alerts?<filters>`: `{"status": …, "assigned_to": "name" | null}`.
/// The audit entry of the request (`AuditMiddleware`: who, from where, the query) also holds the
/// change, the filter of a bulk change and the ids of the alerts it changed.
extension AlertRoutes {
    func triageOne(_ request: Request, _ context: SIEMRequestContext) async throws -> Response {
        let id = try context.id("alert")
        let change = try Self.change(try await JSONRequestBody.read(request, limit: maxBodyBytes))
        AuditDetails.current?.add(["alert_ids": .array([.int(id)]), "change": Self.json(change)])
        let alert = try await triage.triage(id: id, change)
        let event = try await alert.eventID.asyncFlatMap { try await store.event(id: $0) }
        return JSONBody.response { $0.alert(alert, event: event) }
    }

    func triageMatching(_ request: Request) async throws -> Response {
        let parameters = try QueryParameters(request, route: "PATCH /alerts")
        let query = try parameters.alertQuery(paged: false)
        let all = try parameters.flag("all")
        let change = try Self.change(try await JSONRequestBody.read(request, limit: maxBodyBytes))
        AuditDetails.current?.add([
            "filter": .object(parameters.decoded.filter { $0.key != "all" }.mapValues(JSONValue.string)),
            "all": .bool(all), "change": Self.json(change),
        ])
        let outcome = try await triage.triage(matching: query, all: all, change)
        AuditDetails.current?.add([
            "updated": .int(Int64(outcome.ids.count)), "alert_ids": .array(outcome.ids.map(JSONValue.int)),
        ])
        return JSONBody.response { body in
            body.object([
                ("updated", { $0.raw(String(outcome.ids.count)) }),
                ("ids", { body in body.array(outcome.ids) { $0.raw(String($1)) } }),
                ("capped", { $0.raw(outcome.capped ? "true" : "false") }),
            ])
        }
    }

    /// The change a triage body asks for; `"assigned_to": null` (or blank) unassigns.
    static func change(_ body: JSONRequestBody) throws(APIError) -> AlertTriage {
        var change = AlertTriage()
        if let text = try body.string("status") {
            guard let status = AlertStatus(rawValue: text.lowercased()) else {
                throw .invalid("`status` must be one of \(QueryParameters.alertStatusNames)")
            }
            change.status = status
        }
        if body.has("assigned_to") {
            let assignee = try body.string("assigned_to")?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (assignee?.count ?? 0) <= 200 else { throw .invalid("`assigned_to` is longer than 200 characters") }
            change.assignedTo = .some(assignee?.isEmpty == false ? assignee : nil)
        }
        return change
    }

    static func json(_ change: AlertTriage) -> JSONValue {
        var members: [String: JSONValue] = [:]
        if let status = change.status { members["status"] = .string(status.rawValue) }
        if let assignee = change.assignedTo { members["assigned_to"] = assignee.map(JSONValue.string) ?? .null }
        return .object(members)
    }
}

extension QueryParameters {
    /// `true`/`false` (or `1`/`0`); false when absent.
    func flag(_ name: String) throws(APIError) -> Bool {
        guard let text = string(name)?.lowercased() else { return false }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .invalid("`\(name)` must be true or false")
        }
    }

    /// Every parameter by its percent-decoded name (the last value of a repeated one).
    var decoded: [String: String] {
        var values: [String: String] = [:]
        for (name, value) in parameters {
            values[String(name).removingPercentEncoding ?? String(name)] = String(value)
        }
        return values
    }
}
