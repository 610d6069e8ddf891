import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SIEMCore
import Testing

@testable import SIEMHTTP

/// Named keys with roles: every route admits the roles its OpenAPI operation declares, changes
/// are attributed to the identity, and the audit log records them.
@Suite struct IdentityTests {
    static let keys = [
        "root-key": ("root", Role.admin), "alice-key": ("alice", .analyst),
        "probe-key": ("probe", .agent), "viewer-key": ("viewer", .reader),
    ]

    static func configure(_ configuration: inout ServerConfiguration) {
        let lines = keys.map { key, identity in "\(identity.0) \(identity.1.rawValue) \(APIKeys.digestHex(key))" }
        configuration.security.apiKeys = try! APIKeys.parse(lines.joined(separator: "\n"), path: "test")
        configuration.edrDangerousActionAllowlist = ["alice"]
    }

    static func headers(_ key: String) -> HTTPFields {
        [.contentType: "application/json", HTTPField.Name("x-api-key")!: key]
    }

    /// For every operation of the OpenAPI document and every role: refused with
    /// `insufficient_role` exactly when the operation's `x-siem-roles` leaves the role out. An
    /// operation without `x-siem-roles` fails the test, so a new route must declare who may call it.
    @Test func everyRouteAdmitsTheRolesItDeclares() async throws {
        let (document, routes) = try OpenAPIDocumentTests.documentedRoutes()
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var declaredRoles: [String: [String]] = [:]
        for route in routes {
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            let operation = try #require(paths[parts[1]]?[parts[0].lowercased()] as? [String: Any])
            declaredRoles[route] = try #require(
                operation["x-siem-roles"] as? [String], "\(route) declares no x-siem-roles")
        }
        try await withSIEM(configure: Self.configure) { [declaredRoles] client, _ async throws in
            for (route, declared) in declaredRoles.sorted(by: { $0.key < $1.key }) {
                let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
                #expect(declared.contains("admin"), "\(route): admin is admitted everywhere")
                let uri = parts[1].replacingOccurrences(of: #"\{[^}]+\}"#, with: "1", options: .regularExpression)
                for (key, (name, role)) in Self.keys {
                    let response = try await client.execute(
                        uri: uri, method: HTTPRequest.Method(parts[0])!, headers: Self.headers(key),
                        body: parts[0] == "GET" || parts[0] == "DELETE" ? nil : ByteBuffer(string: "{}"))
                    // Protocol paths answer in their protocol's shape, which carries the detail.
                    let refused =
                        response.json["error"] as? String == "insufficient_role"
                        || (response.status == .forbidden && response.text.contains(" needs the role "))
                    #expect(
                        refused == !declared.contains(role.rawValue),
                        "\(route) as \(name) (\(role.rawValue)): \(response.status) \(response.text.prefix(200))")
                    if refused { #expect(response.status == .forbidden) }
                }
            }
        }
    }

    /// What a client says about who it is gives way to the identity: incident actor and note
    /// author, and `requested_by` (the dangerous-action allowlist names identities).
    @Test func changesAreAttributedToTheIdentity() async throws {
        try await withSIEM(configure: Self.configure) { client, _ async throws in
            let created = try await client.execute(
                uri: "/mdr/incidents", method: .post, headers: Self.headers("alice-key"),
                body: ByteBuffer(string: #"{"title":"t","actor":"mallory"}"#))
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.json["id"] as? Int)
            let note = try await client.execute(
                uri: "/mdr/incidents/\(id)/notes", method: .post, headers: Self.headers("alice-key"),
                body: ByteBuffer(string: #"{"note":"n","author":"mallory"}"#))
            #expect(note.json["author"] as? String == "alice")
            let details = try await client.execute(
                uri: "/mdr/incidents/\(id)", method: .get, headers: Self.headers("viewer-key"))
            let actors = (details.json["timeline"] as? [[String: Any]] ?? []).compactMap { $0["actor"] as? String }
            #expect(!actors.isEmpty && actors.allSatisfy { $0 == "alice" }, "\(actors)")

            let agent = try await client.execute(
                uri: "/edr/register", method: .post, headers: Self.headers("probe-key"),
                body: ByteBuffer(string: #"{"hostname":"h"}"#))
            let agentID = try #require(agent.json["agent_id"] as? String)
            let queued = try await client.execute(
                uri: "/edr/actions", method: .post, headers: Self.headers("alice-key"),
                body: ByteBuffer(
                    string:
                        #"{"agent_id":"\#(agentID)","action_type":"isolate_endpoint","requested_by":"someone-else"}"#))
            #expect(queued.status == .created, "\(queued.text)")
            #expect(queued.json["requested_by"] as? String == "alice")
            let refused = try await client.execute(
                uri: "/edr/actions", method: .post, headers: Self.headers("root-key"),
                body: ByteBuffer(
                    string: #"{"agent_id":"\#(agentID)","action_type":"isolate_endpoint","requested_by":"alice"}"#))
            #expect(refused.status == .forbidden, "root is not in the allowlist, whatever requested_by says")
        }
    }

    /// Every state change lands in the audit log with identity, role, route, path and status,
    /// refused attempts included; reads and the data plane do not; only admins read it.
    @Test func theAuditLogRecordsStateChanges() async throws {
        try await withSIEM(configure: Self.configure) { client, _ async throws in
            _ = try await client.execute(
                uri: "/ti/iocs", method: .post, headers: Self.headers("alice-key"),
                body: ByteBuffer(string: #"{"type":"ip","value":"203.0.113.5"}"#))
            _ = try await client.execute(
                uri: "/ti/iocs", method: .post, headers: Self.headers("viewer-key"),
                body: ByteBuffer(string: #"{"type":"ip","value":"203.0.113.6"}"#))
            _ = try await client.execute(
                uri: "/ingest", method: .post, headers: Self.headers("probe-key"),
                body: ByteBuffer(string: #"{"message":"x"}"#))
            _ = try await client.execute(uri: "/events", method: .get, headers: Self.headers("viewer-key"))
            let audit = try await client.execute(uri: "/audit", method: .get, headers: Self.headers("root-key"))
            #expect(audit.status == .ok)
            let items = audit.items
            #expect(items.count == 2, "\(audit.text)")
            let refused = try #require(items.first)
            #expect(refused["actor"] as? String == "viewer")
            #expect(refused["role"] as? String == "reader")
            #expect(refused["action"] as? String == "POST /ti/iocs")
            #expect(refused["status"] as? Int == 403)
            let added = try #require(items.last)
            #expect(added["actor"] as? String == "alice" && added["status"] as? Int == 201)
            let filtered = try await client.execute(
                uri: "/audit?actor=alice", method: .get, headers: Self.headers("root-key"))
            #expect(filtered.items.count == 1)
            let denied = try await client.execute(uri: "/audit", method: .get, headers: Self.headers("alice-key"))
            #expect(denied.status == .forbidden)
        }
    }

    /// Without authentication the audit log still names who the client says it is.
    @Test func withoutAuthTheClientNamedUserIsRecorded() async throws {
        try await withSIEM { client, _ async throws in
            _ = try await client.execute(
                uri: "/mdr/incidents", method: .post,
                headers: [.contentType: "application/json", HTTPField.Name("x-siem-user")!: "carol"],
                body: ByteBuffer(string: #"{"title":"t"}"#))
            _ = try await client.post("/mdr/incidents", #"{"title":"u"}"#)
            _ = try await client.post("/mdr/incidents", "{}")
            let items = try await client.get("/audit").items
            #expect(items.compactMap { $0["actor"] as? String } == ["anonymous", "anonymous", "carol"])
            // The status recorded is the one the client got (422 here, not the 500 of an unmapped error).
            #expect(items.compactMap { $0["status"] as? Int } == [422, 201, 201])
        }
    }
}
