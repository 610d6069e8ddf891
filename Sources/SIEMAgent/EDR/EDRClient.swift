import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SIEMCore

/// Talks to siemd's EDR API.
struct EDRClient: Sendable {
    let server: String
    let apiKey: String?
    var token: String?
    /// Seconds a call may take, connecting included (AsyncHTTPClient retries refused connections
    /// until this deadline, so it is also how long a down server holds up one round).
    var timeout: Int64 = 15

    struct Failure: Error, CustomStringConvertible {
        var status: Int
        var body: String
        var description: String { "HTTP \(status): \(body.prefix(300))" }
    }

    func send(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws
        -> [String: JSONValue]
    {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        if let apiKey {
            request.headers.add(name: "x-api-key", value: apiKey)
            request.headers.add(name: "authorization", value: "Bearer \(apiKey)")
        }
        if let token { request.headers.add(name: "x-agent-token", value: token) }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonText))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout))
        let buffer = try await response.body.collect(upTo: 8 << 20)
        let text = String(buffer: buffer)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw Failure(status: Int(response.status.code), body: text)
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
            case .object(let object) = value
        else { return [:] }
        return object
    }

    /// True when the server answers `/health` within `timeout` seconds.
    func reachable(timeout: Int64 = 5) async -> Bool {
        var request = HTTPClientRequest(url: server + "/health")
        request.method = .GET
        if let apiKey { request.headers.add(name: "x-api-key", value: apiKey) }
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(timeout)) else {
            return false
        }
        _ = try? await response.body.collect(upTo: 1 << 20)
        return response.status.code < 500
    }
}
