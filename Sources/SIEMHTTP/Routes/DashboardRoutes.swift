import Foundation
import Hummingbird

/// `GET /` (the dashboard page) and `GET /assets/{file}` (its scripts and styles), served from the
/// package resources in `Dashboard/`.
///
/// `GET /` is also the first probe of every Elasticsearch client and shipper: a request whose
/// `Accept` names `text/html` (every browser's) gets the page; any other (no `Accept`, curl's
/// `*/*`, `application/json`, `application/vnd.elasticsearch+json`) gets Elasticsearch's info
/// document, as a real Elasticsearch would answer it.
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
        guard ErrorDialect.asksForHTML(request.headers[.accept]) else { return ElasticProbeRoutes.info }
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
