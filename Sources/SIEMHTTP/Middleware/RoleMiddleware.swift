import Foundation
import Hummingbird
import SIEMCore

/// The roles each route admits, read from the `x-siem-roles` of every operation of the bundled
/// OpenAPI document, so what is documented is what is enforced (a test checks it route by route).
struct RouteRoles: Sendable {
    struct Route: Sendable {
        var method: String
        /// Path segments; `nil` stands for a `{parameter}`.
        var segments: [String?]
        var template: String
        var roles: Set<Role>
    }

    let routes: [Route]

    /// The routes of an OpenAPI document; an operation without `x-siem-roles` admits only `admin`.
    init(openAPI data: Data) {
        var routes: [Route] = []
        if case .object(let root)? = try? JSONParser.parse(Array(data)), case .object(let paths)? = root["paths"] {
            for (path, item) in paths {
                guard case .object(let operations) = item else { continue }
                for (method, operation) in operations {
                    guard ["get", "post", "put", "patch", "delete"].contains(method) else { continue }
                    var roles: Set<Role> = [.admin]
                    if case .object(let members) = operation, case .array(let names)? = members["x-siem-roles"] {
                        roles.formUnion(names.compactMap { $0.stringValue.flatMap(Role.init(rawValue:)) })
                    }
                    routes.append(
                        Route(
                            method: method.uppercased(),
                            segments: Self.segments(path).map { $0.hasPrefix("{") ? nil : $0 },
                            template: "\(method.uppercased()) \(path)", roles: roles))
                }
            }
        }
        // Literal segments win over parameters (`/events/histogram` before `/events/{id}`).
        self.routes = routes.sorted { $0.segments.filter { $0 == nil }.count < $1.segments.filter { $0 == nil }.count }
    }

    /// The bundled document's routes.
    static let bundled: RouteRoles = {
        let url = Bundle.module.url(forResource: "openapi", withExtension: "json", subdirectory: "OpenAPI")
        return RouteRoles(openAPI: url.flatMap { try? Data(contentsOf: $0) } ?? Data())
    }()

    /// The route `method` and `path` reach (HEAD is its GET), or nil.
    func route(method: String, path: String) -> Route? {
        let method = method == "HEAD" ? "GET" : method
        let parts = Self.segments(path)
        return routes.first { route in
            route.method == method && route.segments.count == parts.count
                && zip(route.segments, parts).allSatisfy { $0 == nil || $0 == $1 }
        }
    }

    static func segments(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}

/// Refuses (403 `insufficient_role`) an authenticated identity whose role the route does not
/// admit. Runs after authentication; requests without an identity (exempt paths) pass, and so do
/// unknown routes, which the router answers with 404.
struct RoleMiddleware<Context: IdentityRequestContext>: RouterMiddleware {
    let roles: RouteRoles

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let identity = context.identity,
            let route = roles.route(method: request.method.rawValue, path: request.uri.path)
        else { return try await next(request, context) }
        guard route.roles.contains(identity.role) else {
            let admitted = Role.allCases.filter(route.roles.contains).map(\.rawValue).joined(separator: ", ")
            throw APIError(
                .forbidden, "insufficient_role",
                "\(route.template) needs the role \(admitted); \(identity.name) has \(identity.role.rawValue)")
        }
        return try await next(request, context)
    }
}
