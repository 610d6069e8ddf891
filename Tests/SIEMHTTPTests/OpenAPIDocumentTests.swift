import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SIEMEngine
import SIEMRules
import SIEMStore
import SIEMTestSupport
import Testing

@testable import SIEMHTTP

/// Routes the OpenAPI document describes before they are served (none now). A route listed here
/// that is registered fails the test, so the list cannot go stale.
let pendingRoutes: Set<String> = []

@Suite struct OpenAPIDocumentTests {
    /// `METHOD /path` for every operation in the bundled document.
    static func documentedRoutes() throws -> (document: [String: Any], routes: Set<String>) {
        let routes = APIDocsRoutes()
        let document = try #require(routes.document)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(document.bytes.readableBytesView)) as? [String: Any])
        let paths = try #require(json["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        var result: Set<String> = []
        for (path, item) in paths {
            for method in item.keys where methods.contains(method) { result.insert("\(method.uppercased()) \(path)") }
        }
        return (json, result)
    }

    /// The routes of a router built like siemd's (over every store).
    static func registeredRoutes() async throws -> Set<String> {
        let directory = try TemporaryDirectory()
        let stores = try Stores.sqlite(path: directory.databasePath, sync: .normal)
        let rules = try RuleFiles.load(path: defaultRulesPath)
        let engine = Engine(
            configuration: ServerConfiguration().engine, stores: stores, rules: rules, logger: Logger(label: "test"))
        let router = SIEMServer.makeRouter(configuration: ServerConfiguration(), engine: engine)
        let routes = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        await stores.close()
        return routes
    }

    /// Every `$ref` value anywhere in `value`.
    static func references(in value: Any) -> [String] {
        if let object = value as? [String: Any] {
            let own = (object["$ref"] as? String).map { [$0] } ?? []
            return own + object.values.flatMap { references(in: $0) }
        }
        if let array = value as? [Any] { return array.flatMap { references(in: $0) } }
        return []
    }

    @Test func everyRegisteredRouteIsDocumented() async throws {
        let documented = try Self.documentedRoutes().routes
        let registered = try await Self.registeredRoutes()
        #expect(registered.contains("GET /events"), "the router's route list is not what the test expects")
        let undocumented = registered.subtracting(documented)
        #expect(undocumented.isEmpty, "routes missing from openapi.json: \(undocumented.sorted())")
    }

    @Test func everyDocumentedRouteIsRegisteredOrPending() async throws {
        let documented = try Self.documentedRoutes().routes
        let registered = try await Self.registeredRoutes()
        let unserved = documented.subtracting(registered).subtracting(pendingRoutes)
        #expect(unserved.isEmpty, "documented but not registered, and not in pendingRoutes: \(unserved.sorted())")
        let merged = pendingRoutes.intersection(registered)
        #expect(merged.isEmpty, "registered now; remove from pendingRoutes: \(merged.sorted())")
        let unknown = pendingRoutes.subtracting(documented)
        #expect(unknown.isEmpty, "pendingRoutes not in openapi.json: \(unknown.sorted())")
    }

    /// The query parameters each operation documents are exactly those its route accepts (the
    /// route refuses any other with 400), and every route that takes some is in the table.
    @Test func documentedQueryParametersAreTheAcceptedOnes() throws {
        let (document, _) = try Self.documentedRoutes()
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let components = try #require(
            (document["components"] as? [String: Any])?["parameters"] as? [String: [String: Any]])
        var documented: [String: Set<String>] = [:]
        for (path, item) in paths {
            for (method, value) in item {
                guard let operation = value as? [String: Any] else { continue }
                let parameters = (operation["parameters"] as? [[String: Any]] ?? []).map { parameter in
                    (parameter["$ref"] as? String).flatMap { components[String($0.split(separator: "/").last!)] }
                        ?? parameter
                }
                let names = parameters.filter { $0["in"] as? String == "query" }.compactMap { $0["name"] as? String }
                if !names.isEmpty { documented["\(method.uppercased()) \(path)"] = Set(names) }
            }
        }
        let accepted = QueryParameters.accepted.mapValues { Set($0.names) }
        #expect(Set(documented.keys) == Set(accepted.keys))
        for (route, names) in accepted {
            #expect(documented[route] == names, "\(route)")
        }
    }

    @Test func documentIsOpenAPI31WithResolvableReferences() throws {
        let (document, routes) = try Self.documentedRoutes()
        #expect(document["openapi"] as? String == "3.1.0")
        #expect(routes.count >= 29)
        let components = try #require(document["components"] as? [String: [String: Any]])
        let references = Self.references(in: document)
        #expect(references.count > 50)
        for reference in references {
            let parts = reference.split(separator: "/").map(String.init)
            #expect(parts.count == 4 && parts[0] == "#" && parts[1] == "components", "\(reference)")
            guard parts.count == 4 else { continue }
            #expect(components[parts[2]]?[parts[3]] != nil, "unresolved reference \(reference)")
        }
        // Every operation documents its success and the shared error shape.
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        for (path, item) in paths {
            for (method, operation) in item {
                let responses = try #require(operation["responses"] as? [String: Any], "\(method) \(path)")
                #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(method) \(path) has no success response")
                #expect(responses["401"] != nil, "\(method) \(path) does not document 401")
            }
        }
    }

    /// `/docs` is rendered by siemd's own script from `/openapi.json`: nothing from another origin
    /// (issue 15, finding 8), a same-origin policy, no inline script, style or handlers.
    @Test func servesDocumentAndSelfContainedDocsPage() async throws {
        try await withSIEM { client, _ async throws in
            let document = try await client.get("/openapi.json")
            #expect(document.status == .ok)
            #expect(document.headers[.contentType] == "application/json")
            #expect(document.json["openapi"] as? String == "3.1.0")
            let docs = try await client.get("/docs")
            #expect(docs.status == .ok)
            #expect(docs.headers[.contentType] == "text/html; charset=utf-8")
            #expect(docs.text.contains(#"<script type="module" src="/assets/docs.js"></script>"#))
            #expect(docs.text.contains(#"href="/assets/docs.css""#))
            #expect(!docs.text.contains("http://") && !docs.text.contains("https://"), "no URL of another origin")
            #expect(!docs.text.contains("//cdn"), "no CDN")
            #expect(!docs.text.contains("<script>") && !docs.text.contains("<style"), "no inline script or style")
            #expect(docs.text.range(of: #"\s(on[a-z]+|style)\s*="#, options: .regularExpression) == nil, "no handlers")
            let policy = try #require(docs.headers[.contentSecurityPolicy])
            let directives = Dictionary(
                policy.split(separator: ";").map { directive in
                    let words = directive.split(separator: " ").map(String.init)
                    return (words.first ?? "", Set(words.dropFirst()))
                },
                uniquingKeysWith: { first, _ in first })
            for name in ["default-src", "script-src", "style-src", "connect-src"] {
                #expect(directives[name] == ["'self'"], "\(name) in \(policy)")
            }
            #expect(directives["img-src"] == ["'self'", "data:"], "\(policy)")
            #expect(directives["frame-ancestors"] == ["'none'"], "\(policy)")
            #expect(!policy.contains("http") && !policy.contains("*") && !policy.contains("unsafe"), "\(policy)")
            #expect(policy == ContentSecurityPolicy.docs)

            for (path, type) in [
                ("/assets/docs.js", "text/javascript; charset=utf-8"), ("/assets/docs.css", "text/css; charset=utf-8"),
            ] {
                let asset = try await client.get(path)
                #expect(asset.status == .ok, "\(path)")
                #expect(asset.headers[.contentType] == type, "\(path)")
                #expect(!asset.text.contains("http://") && !asset.text.contains("https://"), "\(path) names no origin")
            }
            // The renderer inserts the document's text as text only.
            let script = try await client.get("/assets/docs.js").text
            #expect(script.contains("/openapi.json"))
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
                #expect(!script.contains(sink), "docs.js uses \(sink)")
            }
        }
    }
}
