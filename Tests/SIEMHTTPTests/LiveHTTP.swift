import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SIEMEngine
import SIEMStore

@testable import SIEMHTTP

/// What a live call returned.
struct LiveResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    /// Whether this is the JSON error shape with `status`.
    func isError(_ expected: Int) -> Bool {
        status == expected && headers.first(name: "content-type") == "application/json"
            && json["error"] is String && (json["detail"] as? String)?.isEmpty == false
    }
}

/// A siemd application served on a loopback port, called with AsyncHTTPClient so tests control
/// every header (Host included) and can stream bodies of unknown length.
struct LiveServer: Sendable {
    let port: Int
    let store: any EventStore

    var base: String { "http://127.0.0.1:\(port)" }

    func call(_ path: String, headers: [(String, String)] = []) async throws -> LiveResponse {
        try await call(.GET, path, headers: headers)
    }

    func call(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: String? = nil
    ) async throws -> LiveResponse {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            if !request.headers.contains(name: "content-type") {
                request.headers.add(name: "content-type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(string: body))
        }
        return try await execute(request)
    }

    func execute(_ request: HTTPClientRequest) async throws -> LiveResponse {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 16 << 20)
        return LiveResponse(status: Int(response.status.code), headers: response.headers, body: String(buffer: buffer))
    }
}

/// Runs `body` against a live siemd on loopback whose security settings come from `environment`
/// exactly as siemd parses them.
func withLiveSIEM<T: Sendable>(
    environment: [String: String] = [:],
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (LiveServer) async throws -> T
) async throws -> T {
    let parsed = try ServerConfiguration(environment: environment)
    return try await withSIEM(
        .live,
        configure: { configuration in
            configuration.security = parsed.security
            configuration.maxBodyBytes = parsed.maxBodyBytes
            configuration.idleTimeout = parsed.idleTimeout
            configuration.requestHeadTimeout = parsed.requestHeadTimeout
            configure(&configuration)
        }
    ) { client, store in
        try await body(LiveServer(port: client.port!, store: store.events))
    }
}

func basicAuthorization(_ user: String, _ password: String) -> (String, String) {
    ("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
}

/// `count` chunks of `size` bytes, produced lazily: a body whose length is declared nowhere.
struct Chunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let count: Int
    let size: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: Int
        let size: Int

        mutating func next() async -> ByteBuffer? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            return ByteBuffer(repeating: UInt8(ascii: "x"), count: size)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: count, size: size) }
}
