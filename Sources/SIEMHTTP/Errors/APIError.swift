import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import SIEMCore
import SIEMEngine
import SIEMStore

/// An error a client sees: `{"error": code, "detail": sentence}` with its HTTP status, or the same
/// in the shape of the protocol the path speaks (`ErrorDialect`, `APIError+Dialects.swift`).
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var detail: String
    public var headers: HTTPFields
    /// The HEC code and text when a HEC route or the authentication chose them.
    var hecReply: HECReply?

    public init(_ status: HTTPResponse.Status, _ code: String, _ detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
    }

    public static func badRequest(_ detail: String) -> APIError { APIError(.badRequest, "bad_request", detail) }
    public static func invalid(_ detail: String) -> APIError { APIError(.unprocessableContent, "invalid", detail) }
    public static func notFound(_ detail: String) -> APIError { APIError(.notFound, "not_found", detail) }
    public static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "too_large", "the request body is larger than \(limit) bytes")
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        switch ErrorDialect(request) {
        case .siem: siemResponse()
        case .elasticsearch: elasticsearchResponse()
        case .splunk: splunkResponse()
        case .otlp(let protobuf): otlpResponse(protobuf: protobuf)
        }
    }

    func siemResponse() -> Response {
        var text = "{\"error\":"
        JSONValue.writeString(code, to: &text)
        text += ",\"detail\":"
        JSONValue.writeString(detail, to: &text)
        text += "}"
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension APIError {
    init(_ error: IngestError) {
        switch error {
        case .malformed(let detail): self = .badRequest(detail)
        case .invalid(let detail): self = .invalid(detail)
        }
    }

    /// A `_bulk` body that cannot be read: Elasticsearch's 400, or 413 for too many actions.
    init(_ error: BulkError) {
        switch error {
        case .malformed(let type, let reason): self = APIError(.badRequest, type, reason)
        case .tooManyItems(let limit):
            self = APIError(
                .contentTooLarge, "content_too_long_exception", "a bulk request may carry at most \(limit) actions")
        }
    }

    /// A refused HEC body: 400 with Splunk's code, or 413 for too many events.
    init(_ error: HECError) {
        let status: HTTPResponse.Status = if case .tooManyEvents = error { .contentTooLarge } else { .badRequest }
        self = APIError(status, "invalid_hec_data", error.text)
        hecReply = HECReply(code: error.code, text: error.text, invalidEventNumber: error.invalidEventNumber)
    }

    /// Maps a service's refusal to its status.
    init(_ error: ServiceError) {
        switch error {
        case .notFound(let code, let detail): self = APIError(.notFound, code, detail)
        case .conflict(let code, let detail): self = APIError(.conflict, code, detail)
        case .unauthorized(let code, let detail): self = APIError(.unauthorized, code, detail)
        case .forbidden(let code, let detail): self = APIError(.forbidden, code, detail)
        }
    }

    /// Maps a store failure: a client's bad query is a 400, a missing record a 404, the rest 503/500.
    init(_ error: StoreError) {
        switch error {
        case .invalidQuery(let detail):
            self = APIError(.badRequest, "invalid_query", "the search query is not valid: \(detail)")
        case .notFound(let what): self = .notFound(what)
        case .closed: self = APIError(.serviceUnavailable, "unavailable", "siemd is shutting down")
        case .sqlite(let code, _) where code & 0xFF == 5 || code & 0xFF == 6:
            self = APIError(.serviceUnavailable, "busy", "the database is busy; retry")
        case .sqlite(let code, _) where code & 0xFF == 13:
            self = APIError(
                .init(code: 507, reasonPhrase: "Insufficient Storage"), "disk_full", "the database disk is full")
        case .sqlite:
            self = APIError(.internalServerError, "internal", "the database failed; see the server log")
        }
    }
}

/// Renders every error as the JSON error shape of the path (`ErrorDialect`): ours as they are,
/// Hummingbird's (404 for an unknown route, 413, …) with their status, and anything else as a logged
/// 500 without internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let (apiError, expected) = APIError.mapped(error, request: request)
            if case .sqlite? = error as? StoreError {
                context.logger.error(
                    "store failure", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            } else if !expected {
                context.logger.error(
                    "unhandled error", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            }
            throw apiError
        }
    }
}

extension APIError {
    /// What a client sees for `error`: ours as they are, the services' and the store's mapped to
    /// their status, Hummingbird's (404 for an unknown route, 413, …) with theirs, anything else a
    /// 500 without internals. The audit log records the same status.
    init(mapping error: any Error, request: Request) {
        self = Self.mapped(error, request: request).error
    }

    /// The mapping, and whether `error` was of a known kind (an unknown one is a bug, logged).
    static func mapped(_ error: any Error, request: Request) -> (error: APIError, expected: Bool) {
        switch error {
        case let error as APIError: return (error, true)
        case let error as ServiceError: return (APIError(error), true)
        case let error as InvalidInput: return (.invalid(error.detail), true)
        case let error as StoreError: return (APIError(error), true)
        case is NIOTooManyBytesError:
            return (APIError(.contentTooLarge, "too_large", "the request body is too large"), true)
        case let error as HTTPResponseError:
            switch error.status {
            case .notFound: return (.notFound("no route for \(request.method) \(request.uri.path)"), true)
            case .methodNotAllowed:
                return (
                    APIError(
                        .methodNotAllowed, "method_not_allowed",
                        "\(request.method) is not allowed on \(request.uri.path)"), true
                )
            default: return (APIError(error.status, "http_\(error.status.code)", error.status.reasonPhrase), true)
            }
        default:
            return (APIError(.internalServerError, "internal", "an internal error occurred; see the server log"), false)
        }
    }
}
