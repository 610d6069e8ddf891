import Foundation
import NIOHTTP1
import Testing

@testable import SIEMHTTP

/// Authentication through a live server, probed as an attacker would.
@Suite struct AuthTests {
    static let key = "k3y-\(UUID().uuidString)"
    static let password = "pa55-\(UUID().uuidString)"

    @Test func offByDefault() async throws {
        try await withLiveSIEM { server async throws in
            #expect(try await server.call(.POST, "/ingest", body: referenceEvent).status == 200)
            #expect(try await server.call("/events").status == 200)
        }
    }

    @Test func apiKeyInHeaderOrBearer() async throws {
        try await withLiveSIEM(environment: ["SIEM_API_KEY": Self.key]) { server async throws in
            let missing = try await server.call("/events")
            #expect(missing.isError(401), "\(missing.body)")
            #expect(missing.headers.first(name: "www-authenticate")?.hasPrefix("Bearer") == true)
            for headers in [
                [("x-api-key", "wrong")], [("x-api-key", Self.key + "x")], [("x-api-key", "")],
                [("Authorization", "Bearer wrong")], [("Authorization", Self.key)],
                [basicAuthorization("admin", Self.key)], [("X-Forwarded-For", "127.0.0.1")],
            ] {
                #expect(try await server.call("/events", headers: headers).isError(401), "\(headers)")
            }
            #expect(try await server.call("/events", headers: [("x-api-key", Self.key)]).status == 200)
            #expect(try await server.call("/events", headers: [("Authorization", "Bearer \(Self.key)")]).status == 200)
            #expect(try await server.call("/events", headers: [("Authorization", "bearer \(Self.key)")]).status == 200)

            // Writes are refused before anything is stored, and unknown routes do not reveal themselves.
            #expect(try await server.call(.POST, "/ingest", body: referenceEvent).isError(401))
            #expect(try await server.store.counts().events == 0)
            // The dashboard, its assets and the API documents are protected like the API.
            for path in ["/", "/index.html", "/assets/app.js", "/docs", "/openapi.json", "/metrics"] {
                #expect(try await server.call(path, headers: [("Accept", "text/html")]).isError(401), "\(path)")
            }
            #expect(try await server.call("/no/such/route").isError(401))
            #expect(try await server.call("/no/such/route", headers: [("x-api-key", Self.key)]).isError(404))
            let ingest = try await server.call(
                .POST, "/ingest", headers: [("x-api-key", Self.key)], body: referenceEvent)
            #expect(ingest.status == 200)
            #expect(try await server.store.counts().events == 1)
        }
    }

    @Test func basicAuthChallengesBrowsers() async throws {
        try await withLiveSIEM(environment: ["SIEM_BASIC_USER": "admin", "SIEM_BASIC_PASS": Self.password]) {
            server async throws in
            let missing = try await server.call("/", headers: [("Accept", "text/html,application/xhtml+xml")])
            #expect(missing.isError(401))
            #expect(missing.headers.first(name: "www-authenticate") == #"Basic realm="swift-siem", charset="UTF-8""#)
            for headers in [
                [basicAuthorization("admin", "wrong")], [basicAuthorization("root", Self.password)],
                [basicAuthorization("admin", Self.password + "x")], [basicAuthorization("admin:" + Self.password, "")],
                [("Authorization", "Basic not-base64!")], [("Authorization", "Basic")],
                [("x-api-key", Self.password)], [("Authorization", "Bearer \(Self.password)")],
            ] {
                #expect(try await server.call("/events", headers: headers).isError(401), "\(headers)")
            }
            #expect(
                try await server.call("/events", headers: [basicAuthorization("admin", Self.password)]).status == 200)
        }
    }

    @Test func eitherSchemeAdmitsWhenBothAreSet() async throws {
        let environment = ["SIEM_API_KEY": Self.key, "SIEM_BASIC_USER": "admin", "SIEM_BASIC_PASS": Self.password]
        try await withLiveSIEM(environment: environment) { server async throws in
            let missing = try await server.call("/alerts")
            #expect(missing.isError(401))
            #expect(missing.headers.first(name: "www-authenticate")?.hasPrefix("Basic realm=") == true)
            #expect(try await server.call("/alerts", headers: [("x-api-key", Self.key)]).status == 200)
            #expect(
                try await server.call("/alerts", headers: [basicAuthorization("admin", Self.password)]).status == 200)
            // The key is not a Basic password, nor the password an API key.
            #expect(try await server.call("/alerts", headers: [basicAuthorization("admin", Self.key)]).isError(401))
            #expect(try await server.call("/alerts", headers: [("x-api-key", Self.password)]).isError(401))
        }
    }

    @Test func exemptPathsAndPrefixes() async throws {
        try await withLiveSIEM(environment: ["SIEM_API_KEY": Self.key]) { server async throws in
            // The default exemption is exactly /health.
            #expect(try await server.call("/health").status == 200)
            #expect(try await server.call("/health?verbose=1").status == 200)
            #expect(try await server.call("/health/").isError(401))
            #expect(try await server.call("/healthz").isError(401))
            #expect(try await server.call("/stats").isError(401))
        }
        let environment = ["SIEM_API_KEY": Self.key, "SIEM_AUTH_EXEMPT_PATHS": "/stats, /alerts*"]
        try await withLiveSIEM(environment: environment) { server async throws in
            #expect(try await server.call("/stats").status == 200)
            #expect(try await server.call("/alerts").status == 200)
            #expect(try await server.call("/alerts?limit=1").status == 200)
            #expect(try await server.call("/health").isError(401))
            #expect(try await server.call("/events").isError(401))
            // A prefix never covers dot segments or encoded characters.
            #expect(try await server.call("/alerts/../events").isError(401))
            #expect(try await server.call("/alerts/%2e%2e/events").isError(401))
        }
        try await withLiveSIEM(environment: ["SIEM_API_KEY": Self.key, "SIEM_AUTH_EXEMPT_PATHS": ""]) {
            server async throws in
            #expect(try await server.call("/health").isError(401))
        }
    }

    @Test func secretsNeverInResponses() async throws {
        let environment = ["SIEM_API_KEY": Self.key, "SIEM_BASIC_USER": "admin", "SIEM_BASIC_PASS": Self.password]
        try await withLiveSIEM(environment: environment) { server async throws in
            let auth = [("x-api-key", Self.key)]
            var responses = [
                try await server.call("/health"), try await server.call("/stats", headers: auth),
                try await server.call("/events"), try await server.call("/events", headers: [("x-api-key", "guess")]),
                try await server.call("/nope", headers: auth), try await server.call("/events?limit=0", headers: auth),
            ]
            responses.append(try await server.call(.POST, "/ingest", headers: auth, body: "{not json"))
            for response in responses {
                let text = response.body + response.headers.map { "\($0.name): \($0.value)" }.joined()
                #expect(!text.contains(Self.key) && !text.contains(Self.password), "\(text)")
            }
        }
    }
}
