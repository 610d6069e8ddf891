import Foundation
import Hummingbird

/// `GET /openapi.json` (the OpenAPI 3.1 document of every route) and `GET /docs` (a page whose own
/// script, `/assets/docs.js`, renders that document; no third-party code).
struct APIDocsRoutes: Sendable {
    let document: StaticAsset?
    let page: StaticAsset?

    init(assets: [String: StaticAsset] = StaticAsset.load(folder: "OpenAPI")) {
        document = assets["openapi.json"]
        page = assets["docs.html"]
    }

    func register(on router: Router<SIEMRequestContext>) {
        router.get("/openapi.json") { request, _ in
            guard let document else { throw APIError.notFound("the OpenAPI document is not installed") }
            return document.response(for: request)
        }
        router.get("/docs") { request, _ in
            guard let page else { throw APIError.notFound("the API docs page is not installed") }
            return page.response(for: request, contentSecurityPolicy: ContentSecurityPolicy.docs)
        }
    }
}
