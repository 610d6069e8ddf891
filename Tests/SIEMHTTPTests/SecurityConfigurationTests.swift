import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import SIEMHTTP

/// Parsing of the security variables, and what the configuration lets out.
@Suite struct SecurityConfigurationTests {
    func problem(_ environment: [String: String]) -> ConfigurationError? {
        do {
            _ = try ServerConfiguration(environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test func defaults() throws {
        let security = try ServerConfiguration(environment: [:]).security
        #expect(!security.authEnabled)
        #expect(security.authExemptPaths.map(\.description) == ["/health"])
        #expect(security.trustedHosts == nil)
        #expect(security.rateLimit == nil)
        let enabled = try ServerConfiguration(environment: ["SIEM_RATE_LIMIT_ENABLED": "true"]).security.rateLimit
        #expect(
            enabled?.paths.map(\.description) == [
                "/ingest", "/edr", "/_bulk", "/*/_bulk", "/services/collector", "/v1/logs",
            ])
        #expect(try ServerConfiguration(environment: [:]).maxBodyBytes == 1_048_576)
    }

    @Test func badValuesNameTheirVariable() {
        let cases: [([String: String], String)] = [
            // Half of the Basic credentials names the missing half.
            (["SIEM_BASIC_USER": "admin"], "SIEM_BASIC_PASS"),
            (["SIEM_BASIC_PASS": "secret"], "SIEM_BASIC_USER"),
            (["SIEM_BASIC_USER": "ad:min", "SIEM_BASIC_PASS": "secret"], "SIEM_BASIC_USER"),
            (["SIEM_AUTH_EXEMPT_PATHS": "health"], "SIEM_AUTH_EXEMPT_PATHS"),
            (["SIEM_AUTH_EXEMPT_PATHS": "/a*b"], "SIEM_AUTH_EXEMPT_PATHS"),
            (["SIEM_TRUSTED_HOSTS": "a/b"], "SIEM_TRUSTED_HOSTS"),
            (["SIEM_TRUSTED_HOSTS": "a.*.com"], "SIEM_TRUSTED_HOSTS"),
            (["SIEM_RATE_LIMIT_ENABLED": "maybe"], "SIEM_RATE_LIMIT_ENABLED"),
            (["SIEM_RATE_LIMIT_RPS": "fast"], "SIEM_RATE_LIMIT_RPS"),
            (["SIEM_RATE_LIMIT_RPS": "0"], "SIEM_RATE_LIMIT_RPS"),
            (["SIEM_RATE_LIMIT_BURST": "0"], "SIEM_RATE_LIMIT_BURST"),
            (["SIEM_RATE_LIMIT_PATHS": "ingest"], "SIEM_RATE_LIMIT_PATHS"),
            (["SIEM_MAX_BODY_BYTES": "-1"], "SIEM_MAX_BODY_BYTES"),
        ]
        for (environment, variable) in cases {
            #expect(problem(environment)?.variable == variable, "\(environment)")
        }
    }

    @Test func secretsCannotBePrinted() throws {
        let configuration = try ServerConfiguration(environment: [
            "SIEM_API_KEY": "key-0123456789", "SIEM_BASIC_USER": "admin", "SIEM_BASIC_PASS": "pass-0123456789",
        ])
        let printed = "\(configuration) \(String(reflecting: configuration)) \(configuration.security)"
        #expect(!printed.contains("key-0123456789") && !printed.contains("pass-0123456789"))
        #expect(!printed.contains("admin"))
        let banner = SIEMServer.protectionsMetadata(configuration).map { "\($0.key)=\($0.value)" }.joined()
        #expect(banner.contains("auth=api_key+basic"))
        #expect(!banner.contains("key-0123456789") && !banner.contains("pass-0123456789"))
        #expect(configuration.security.apiKey?.matches("key-0123456789") == true)
        #expect(configuration.security.apiKey?.matches("key-012345678") == false)
    }

    @Test func loopbackAddresses() {
        for host in ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"] { #expect(SIEMServer.isLoopback(host)) }
        for host in ["0.0.0.0", "::", "10.0.0.5", "siem.example"] { #expect(!SIEMServer.isLoopback(host)) }
    }

    @Test func htmlGetsASecurityPolicyWithoutInlineScript() async throws {
        let router = Router()
        router.middlewares.add(SecurityHeadersMiddleware())
        router.get("/page") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: .init(string: "<html></html>")))
        }
        router.get("/data") { _, _ in #"{"ok": true}"# }
        try await Application(router: router).test(.router) { client in
            let page = try await client.execute(uri: "/page", method: .get)
            let policy = try #require(page.headers[.contentSecurityPolicy])
            let directives = policy.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(directives.contains("script-src 'self'"))
            #expect(directives.contains("default-src 'self'"))
            #expect(!directives.contains { $0.hasPrefix("script-src") && $0.contains("unsafe") })
            #expect(policy.contains("frame-ancestors 'none'"))
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            #expect(page.headers[HTTPFields.Element.Name("Referrer-Policy")!] == "no-referrer")
            #expect(page.headers[HTTPFields.Element.Name("X-Frame-Options")!] == "DENY")
            let data = try await client.execute(uri: "/data", method: .get)
            #expect(data.headers[.contentSecurityPolicy] == nil)
            #expect(data.headers[.xContentTypeOptions] == "nosniff")
        }
    }
}
