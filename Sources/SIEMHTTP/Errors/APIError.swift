import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import SIEMCore
import SIEMEngine
import SIEMStore

/// An error a client sees: `{"error": code, "detail": sentence}` with its HTTP status.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var detail: String
    public var headers: HTTPFields

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

/// Renders every error as the JSON error shape: ours as they are, Hummingbird's (404 for an unknown
/// route, 413, …) with their status, and anything else as a logged 500 without internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as ServiceError {
            throw APIError(error)
        } catch let error as InvalidInput {
            throw APIError.invalid(error.detail)
        } catch let error as StoreError {
            if case .sqlite = error {
                context.logger.error(
                    "store failure", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            }
            throw APIError(error)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "too_large", "the request body is too large")
        } catch let error as HTTPResponseError {
            switch error.status {
            case .notFound: throw APIError.notFound("no route for \(request.method) \(request.uri.path)")
            case .methodNotAllowed:
                throw APIError(
                    .methodNotAllowed, "method_not_allowed", "\(request.method) is not allowed on \(request.uri.path)")
            default:
                throw APIError(error.status, "http_\(error.status.code)", error.status.reasonPhrase)
            }
        } catch {
            context.logger.error(
                "unhandled error", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            throw APIError(.internalServerError, "internal", "an internal error occurred; see the server log")
        }
    }
}
