import Foundation
import Hummingbird
import SIEMCore
import SIEMStore

/// `GET /events/histogram`: events over time for the dashboard, with the `/events` filters.
struct HistogramRoutes: Sendable {
    let store: any EventStore

    func register(on router: Router<SIEMRequestContext>) {
        router.get("/events/histogram") { request, _ in try await histogram(request) }
    }

    func histogram(_ request: Request) async throws -> Response {
        let parameters = try QueryParameters(request, route: "GET /events/histogram")
        let query = try EventQuery(parameters)
        let buckets = try parameters.int("buckets", in: 1...500, default: 60)!
        if let since = query.since, let until = query.until, since >= until {
            throw APIError.invalid("`since` must be before `until`")
        }
        try await parameters.waitForIndex(store)
        let histogram = try await store.histogram(query, buckets: buckets)
        let total = histogram.counts.reduce(0, +)
        return JSONBody.response { body in
            body.object([
                ("since", { $0.date(histogram.since) }),
                ("until", { $0.date(histogram.until) }),
                ("interval_seconds", { $0.raw(String(histogram.interval)) }),
                ("total", { $0.raw(String(total)) }),
                (
                    "buckets",
                    { body in
                        body.array(Array(histogram.counts.enumerated())) { body, entry in
                            let start = histogram.since.addingTimeInterval(Double(entry.offset) * histogram.interval)
                            body.object([
                                ("start", { $0.date(start) }), ("count", { $0.raw(String(entry.element)) }),
                            ])
                        }
                    }
                ),
            ])
        }
    }
}
