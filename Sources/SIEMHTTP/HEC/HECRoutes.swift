import Foundation
import Hummingbird
import NIOCore
import SIEMCore
import SIEMEngine

/// Splunk's HTTP Event Collector: `POST /services/collector/event` (also `/services/collector` and
/// `/event/1.0`) and `POST /services/collector/raw`, all-or-nothing and answered after the commit,
/// and `GET /services/collector/health`. The token is the API's key (`Authorization: Splunk …`).
struct HECRoutes: Sendable {
    let pipeline: Pipeline
    let maxBodyBytes: Int
    let maxEvents: Int

    /// The query string HEC takes: metadata for events that carry none, and `channel` (ignored).
    static let parameters = ["channel", "host", "source", "sourcetype", "index"]

    func register(on router: Router<SIEMRequestContext>) {
        for path in ["/services/collector", "/services/collector/event", "/services/collector/event/1.0"] {
            router.post(RouterPath(path)) { request, _ in try await ingest(request, route: "POST \(path)", raw: false) }
        }
        for path in ["/services/collector/raw", "/services/collector/raw/1.0"] {
            router.post(RouterPath(path)) { request, _ in try await ingest(request, route: "POST \(path)", raw: true) }
        }
        for path in ["/services/collector/health", "/services/collector/health/1.0"] {
            router.get(RouterPath(path)) { _, _ in Self.reply(.healthy) }
        }
    }

    func ingest(_ request: Request, route: String, raw: Bool) async throws -> Response {
        let parameters = try QueryParameters(request, route: route)
        let metadata = HECRequest.Metadata(
            host: parameters.string("host"), source: parameters.string("source"),
            sourcetype: parameters.string("sourcetype"), index: parameters.string("index"))
        let body = try await collectBody(request, limit: maxBodyBytes)
        let events: [Event]
        do {
            events =
                raw
                ? try HECRequest.raw(body, defaults: metadata, maxEvents: maxEvents, receivedAt: Date())
                : try HECRequest.events(body, defaults: metadata, maxEvents: maxEvents, receivedAt: Date())
        } catch {
            throw APIError(error)
        }
        _ = try await pipeline.ingest(events)
        return Self.reply(.success)
    }

    static func reply(_ reply: HECReply) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: reply.json)))
    }
}
