import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import SIEMCore
import SIEMEngine
import SIEMOTLP

/// `POST /v1/logs`: the OTLP/HTTP logs receiver, in binary protobuf or OTLP/JSON.
///
/// The answer comes after the commit, in the request's encoding: an empty
/// `ExportLogsServiceResponse`. A refused request stores nothing.
struct OTLPRoutes: Sendable {
    let pipeline: Pipeline
    let maxBodyBytes: Int
    let maxEvents: Int

    func register(on router: Router<SIEMRequestContext>) {
        router.post("/v1/logs") { request, _ in try await export(request) }
    }

    func export(_ request: Request) async throws -> Response {
        let contentType = request.headers[.contentType] ?? ""
        guard let encoding = OTLPEncoding(contentType: contentType) else {
            let sent = contentType.isEmpty ? "none" : "\"\(contentType.prefix(80))\""
            throw APIError(
                .unsupportedMediaType, "unsupported_media_type",
                "send OTLP logs as application/x-protobuf or application/json; the content-type was \(sent)")
        }
        let body = try await collectBody(request, limit: maxBodyBytes)
        let events: [Event]
        do {
            events = try OTLPLogs.decode(body, encoding: encoding, receivedAt: Date(), maxEvents: maxEvents)
        } catch {
            throw APIError.badRequest(error.detail)
        }
        if !events.isEmpty { _ = try await pipeline.ingest(events) }
        return Response(
            status: .ok,
            headers: [.contentType: encoding.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: OTLPLogs.successResponse(encoding)))
        )
    }
}
