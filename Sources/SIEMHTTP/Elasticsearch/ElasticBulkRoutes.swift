import Foundation
import Hummingbird
import SIEMCore
import SIEMEngine
import SIEMStore

/// `POST|PUT /_bulk` and `/{index}/_bulk`: Elasticsearch's bulk API, as Beats, Logstash, Fluent
/// Bit, Vector and rsyslog's omelasticsearch call it. The stored documents go to the pipeline in one
/// call, and the answer, item by item in Elasticsearch's shape, comes after their commit.
struct ElasticBulkRoutes: Sendable {
    let pipeline: Pipeline
    let maxBodyBytes: Int
    let maxItems: Int

    func register(on router: Router<SIEMRequestContext>) {
        for path in ["/_bulk", "/{index}/_bulk"] {
            router.post(RouterPath(path)) { request, context in try await bulk(request, context, route: "POST \(path)")
            }
            router.put(RouterPath(path)) { request, context in try await bulk(request, context, route: "PUT \(path)") }
        }
    }

    func bulk(_ request: Request, _ context: SIEMRequestContext, route: String) async throws -> Response {
        let started = ContinuousClock.now
        try ElasticParameters.check(request, route: route)
        let body = try await collectBody(request, limit: maxBodyBytes)
        let index = context.parameters.get("index").map { $0.removingPercentEncoding ?? $0 }
        let bulk: BulkRequest
        do {
            bulk = try BulkRequest(decoding: body, defaultIndex: index, maxItems: maxItems, receivedAt: Date())
        } catch {
            throw APIError(error)
        }
        let events = bulk.events
        let stored = events.isEmpty ? [] : try await pipeline.ingest(events)
        let took = (ContinuousClock.now - started).components
        let milliseconds = took.seconds * 1000 + took.attoseconds / 1_000_000_000_000_000
        return ElasticResponse.json { $0.bulkResult(bulk, stored: stored, took: milliseconds) }
    }
}

/// The query parameters of Elasticsearch routes: the ones a route takes are accepted and ignored,
/// any other is refused as Elasticsearch refuses it.
enum ElasticParameters {
    /// What Elasticsearch's bulk API takes (`filter_path` included: the full answer is a superset).
    static let bulk = [
        "refresh", "pipeline", "routing", "timeout", "wait_for_active_shards", "require_alias", "require_data_stream",
        "list_executed_pipelines", "include_source_on_error", "filter_path", "_source", "_source_includes",
        "_source_excludes", "error_trace", "human", "pretty",
    ]

    static func check(_ request: Request, route: String) throws(APIError) {
        guard let name = QueryParameters.unknownName(in: request.uri.queryParameters, route: route) else {
            return
        }
        throw APIError(
            .badRequest, "illegal_argument_exception",
            "request [\(request.uri.path)] contains unrecognized parameter: [\(name.prefix(128))]")
    }
}

extension JSONBody {
    /// `{"took", "errors", "items"}`: one item per action, in request order; the stored ones carry
    /// their event id as `_id` and `_seq_no`.
    mutating func bulkResult(_ bulk: BulkRequest, stored: [EventWrite], took: Int64) {
        let failed = bulk.items.contains { if case .failure = $0.outcome { true } else { false } }
        var ids: [Event.ID?] = []
        var next = 0
        for item in bulk.items {
            guard case .event = item.outcome else {
                ids.append(nil)
                continue
            }
            ids.append(next < stored.count ? stored[next].event.id : nil)
            next += 1
        }
        object([
            ("took", { $0.raw(String(took)) }),
            ("errors", { $0.raw(failed ? "true" : "false") }),
            (
                "items",
                { body in
                    body.array(Array(zip(bulk.items, ids))) { body, pair in
                        body.object([(pair.0.action.rawValue, { $0.bulkItem(pair.0, storedID: pair.1) })])
                    }
                }
            ),
        ])
    }

    private mutating func bulkItem(_ item: BulkRequest.Item, storedID: Event.ID?) {
        switch item.outcome {
        case .event:
            let id = storedID.map(String.init)
            object([
                ("_index", { $0.optional(item.index) }),
                ("_id", { $0.optional(id) }),
                ("_version", { $0.raw("1") }),
                ("result", { $0.string("created") }),
                ("_shards", { $0.raw(#"{"total":1,"successful":1,"failed":0}"#) }),
                ("_seq_no", { $0.raw(String(storedID ?? 0)) }),
                ("_primary_term", { $0.raw("1") }),
                ("status", { $0.raw("201") }),
            ])
        case .failure(let type, let reason):
            object([
                ("_index", { $0.optional(item.index) }),
                ("_id", { $0.optional(item.id) }),
                ("status", { $0.raw("400") }),
                ("error", { $0.elasticCause(type: type, reason: reason) }),
            ])
        }
    }
}
