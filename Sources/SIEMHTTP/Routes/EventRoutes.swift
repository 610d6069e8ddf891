import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import SIEMCore
import SIEMEngine
import SIEMStore

/// `POST /ingest`, `GET /events`, `GET /search`.
struct EventRoutes: Sendable {
    let pipeline: Pipeline
    let decoder: EventDecoder
    let maxBodyBytes: Int

    func register(on router: Router<SIEMRequestContext>) {
        router.post("/ingest") { request, context in try await ingest(request, context) }
        router.get("/events") { request, _ in try await events(request, requireText: false) }
        router.get("/search") { request, _ in try await events(request, requireText: true) }
    }

    func ingest(_ request: Request, _ context: SIEMRequestContext) async throws -> Response {
        let body = try await collectBody(request, limit: maxBodyBytes)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let format: EventDecoder.Format =
            contentType.contains("ndjson") || contentType.contains("jsonl") || contentType.contains("json-seq")
            ? .ndjson : .json
        var events: [Event]
        do {
            events = try decoder.decode(body, format: format, receivedAt: Date())
        } catch {
            var apiError = APIError(error)
            if format == .json, case .malformed = error, body.split(separator: UInt8(ascii: "\n")).count > 1 {
                apiError.detail += "; for one event per line send content-type: application/x-ndjson"
            }
            throw apiError
        }
        // A stream's positions belong to the identity that sends it (see `StreamPosition`).
        let scope = context.identity?.name ?? ""
        for index in events.indices where events[index].stream != nil { events[index].stream!.scope = scope }
        let stored = try await pipeline.ingest(events)
        return JSONBody.response { body in
            body.object([
                ("count", { $0.raw(String(stored.count)) }),
                // Lines of a stream already stored by an earlier request (acknowledged, not stored again).
                ("duplicates", { $0.raw(String(events.count - stored.count)) }),
                ("id", { $0.raw(stored.first?.event.id.map(String.init) ?? "null") }),
                ("ids", { body in body.array(stored) { $0.raw($1.event.id.map(String.init) ?? "null") } }),
                ("alerts", { body in body.array(stored.flatMap(\.alerts)) { $0.alert($1) } }),
            ])
        }
    }

    func events(_ request: Request, requireText: Bool) async throws -> Response {
        let parameters = try QueryParameters(request, route: requireText ? "GET /search" : "GET /events")
        var query = try EventQuery(parameters)
        if requireText {
            guard let text = parameters.string("q") else {
                throw APIError.invalid("`q` is required: the text to search for")
            }
            query.text = text
        }
        try await parameters.waitForIndex(pipeline.store)
        let page = try await pipeline.store.events(query)
        return JSONBody.response { body in
            body.object([
                ("items", { body in body.array(page.items) { $0.event($1) } }),
                ("next_cursor", { $0.optional(page.nextCursor) }),
            ])
        }
    }
}

extension EventQuery {
    /// The filters shared by `/events` and `/search`.
    init(_ parameters: QueryParameters) throws(APIError) {
        self.init(
            text: parameters.string("q"),
            limit: try parameters.limit(),
            cursor: try parameters.cursor(),
            agentID: parameters.string("agent_id"),
            ip: try parameters.ip(),
            source: parameters.string("source"),
            host: parameters.string("host"),
            since: try parameters.date("since"),
            until: try parameters.date("until"),
            terms: try parameters.normalizedTerms(),
            ruleID: parameters.string("rule_id")
        )
        excluded = try parameters.excludedTerms()
    }
}
