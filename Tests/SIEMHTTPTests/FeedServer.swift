import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A feed publisher on a loopback port: serves documents by path (TAXII pages by path and `next`),
/// answers `If-None-Match` / `If-Modified-Since` with 304, and records every request it gets.
actor FeedServer {
    struct Document: Sendable {
        var body: String
        var contentType = "text/plain"
        var etag: String?
        var lastModified: String?
        var status = 200
        var headers: [String: String] = [:]
        /// HTTP Basic credentials the request must carry (`user:password`).
        var basicAuth: String?
    }

    struct Request: Sendable {
        var path: String
        var query: [String: String]
        var headers: [String: String]
    }

    private var documents: [String: Document] = [:]
    private(set) var requests: [Request] = []

    /// Serves `document` at `path`; with `next`, as the TAXII page for that token.
    func set(_ path: String, next: String? = nil, _ document: Document) {
        documents[path + (next.map { "|" + $0 } ?? "")] = document
    }

    func requests(to path: String) -> [Request] { requests.filter { $0.path == path } }

    func answer(_ request: Request) -> (status: Int, headers: [String: String], body: String) {
        requests.append(request)
        let document = request.query["next"].flatMap { documents[request.path + "|" + $0] } ?? documents[request.path]
        guard let document else { return (404, [:], "not found") }
        if let credentials = document.basicAuth {
            let expected = "Basic " + Data(credentials.utf8).base64EncodedString()
            guard request.headers["authorization"] == expected else { return (401, [:], "who are you?") }
        }
        var headers = document.headers
        headers["content-type"] = document.contentType
        if let etag = document.etag { headers["etag"] = etag }
        if let lastModified = document.lastModified { headers["last-modified"] = lastModified }
        if let etag = document.etag, request.headers["if-none-match"] == etag { return (304, headers, "") }
        if let lastModified = document.lastModified, request.headers["if-modified-since"] == lastModified {
            return (304, headers, "")
        }
        return (document.status, headers, document.body)
    }

    /// Runs `body` with the server listening on a free loopback port.
    nonisolated func serve<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.get("**") { [self] request, _ -> Response in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            var query: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
            let answer = await answer(Request(path: request.uri.path, query: query, headers: headers))
            var fields = HTTPFields()
            for (name, value) in answer.headers { fields[HTTPField.Name(name)!] = value }
            return Response(
                status: HTTPResponse.Status(code: answer.status), headers: fields,
                body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "feed-server")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { portContinuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            defer { tasks.cancelAll() }
            let result = try await body(port)
            await group.triggerGracefulShutdown()
            return result
        }
    }
}
