import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SIEMCore
import SIEMEngine
import SIEMRules
import SIEMStore

@testable import SIEMHTTP

/// A clock the test moves by hand, so lease and expiry are tested without waiting.
final class ManualClock: @unchecked Sendable {  // `time` is guarded by `lock`
    private let lock = NSLock()
    private var time = Date(timeIntervalSince1970: 1_800_000_000)

    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return time
    }

    func advance(seconds: TimeInterval) {
        lock.lock()
        time += seconds
        lock.unlock()
    }
}

/// Runs `body` against a live siemd application on loopback whose EDR service uses `clock`.
func withEDR<T: Sendable>(
    clock: ManualClock = ManualClock(),
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (any TestClientProtocol, Stores) async throws -> T
) async throws -> T {
    try await withSIEM(.live, configure: configure, clock: clock, body)
}

/// A registered agent as a test sees it.
struct TestAgent {
    var id: String
    var token: String
}

extension TestClientProtocol {
    func send(
        _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, token: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[HTTPField.Name("x-agent-token")!] = token }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    func registerAgent(_ hostname: String = "demo-host", agentID: String? = nil) async throws -> TestAgent {
        let id = agentID.map { #","agent_id":"\#($0)""# } ?? ""
        let response = try await send(
            .post, "/edr/register",
            #"{"hostname":"\#(hostname)","os":"Debian","kernel":"6.1","ips":["192.0.2.10"],"agent_version":"t"\#(id)}"#)
        return TestAgent(id: response.json["agent_id"] as? String ?? "", token: response.json["token"] as? String ?? "")
    }

    func queueAction(
        _ agent: String, _ type: String, _ params: String = "{}", by requester: String = "demo", extra: String = ""
    )
        async throws -> TestResponse
    {
        try await send(
            .post, "/edr/actions",
            #"{"agent_id":"\#(agent)","action_type":"\#(type)","params":\#(params),"requested_by":"\#(requester)"\#(extra)}"#
        )
    }

    func poll(_ agent: TestAgent, token: String? = nil) async throws -> [[String: Any]] {
        let response = try await send(.get, "/edr/actions/poll?agent_id=\(agent.id)", token: token ?? agent.token)
        return response.json["actions"] as? [[String: Any]] ?? []
    }
}
