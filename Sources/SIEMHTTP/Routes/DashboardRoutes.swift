import Foundation
import Hummingbird

/// `GET /` (the dashboard page) and `GET /assets/{file}` (its scripts and styles), served from the
/// package resources in `Dashboard/`.
struct DashboardRoutes: Sendable {
    let assets: [String: StaticAsset]

    init(assets: [String: StaticAsset] = StaticAsset.load(folder: "Dashboard")) {
        self.assets = assets
    }

    func register(on router: Router<SIEMRequestContext>) {
        router.get("/") { request, _ in try page(request) }
        router.get("/assets/{file}") { request, context in try asset(request, context) }
    }

    func page(_ request: Request) throws -> Response {
        guard let index = assets["index.html"] else { throw APIError.notFound("the dashboard is not installed") }
        return index.response(for: request, contentSecurityPolicy: ContentSecurityPolicy.dashboard)
    }

    func asset(_ request: Request, _ context: SIEMRequestContext) throws -> Response {
        let name = context.parameters.get("file") ?? ""
        guard name != "index.html", let asset = assets[name] else {
            throw APIError.notFound("no dashboard asset named \(name)")
        }
        return asset.response(for: request, contentSecurityPolicy: ContentSecurityPolicy.dashboard)
    }
}
