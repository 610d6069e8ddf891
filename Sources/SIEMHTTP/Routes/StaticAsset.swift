import Crypto
import Foundation
import Hummingbird
import NIOCore

/// A file served from the package's resources, loaded once at start with its content type and a
/// strong ETag so browsers revalidate cheaply.
struct StaticAsset: Sendable {
    let bytes: ByteBuffer
    let contentType: String
    let etag: String

    init(data: Data, name: String) {
        bytes = ByteBuffer(bytes: data)
        contentType = Self.contentType(for: name)
        etag = "\"" + SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
    }

    static func contentType(for name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json": "application/json"
        case "png": "image/png"
        case "ico": "image/x-icon"
        default: "application/octet-stream"
        }
    }

    /// Every regular file directly inside the resource folder `folder`, by file name.
    static func load(folder: String) -> [String: StaticAsset] {
        guard let url = Bundle.module.url(forResource: folder, withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: url.path)
        else { return [:] }
        var assets: [String: StaticAsset] = [:]
        for name in names where !name.hasPrefix(".") {
            if let data = FileManager.default.contents(atPath: url.appendingPathComponent(name).path) {
                assets[name] = StaticAsset(data: data, name: name)
            }
        }
        return assets
    }

    /// The asset, or 304 when the browser already holds this version.
    func response(
        for request: Request, cacheControl: String = "no-cache", contentSecurityPolicy: String? = nil
    ) -> Response {
        var headers: HTTPFields = [
            .contentType: contentType, .eTag: etag, .cacheControl: cacheControl,
            .init("x-content-type-options")!: "nosniff",
        ]
        if let contentSecurityPolicy { headers[.contentSecurityPolicy] = contentSecurityPolicy }
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: {
                $0.trimmingCharacters(in: .whitespaces) == etag
            })
        {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: bytes))
    }
}

/// The content security policies of siemd's pages (`SecurityHeadersMiddleware` keeps a policy a
/// route has set).
enum ContentSecurityPolicy {
    private static let common =
        "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        + "form-action 'self'; frame-ancestors 'none'"
    /// The dashboard: no inline script or style, nothing from other origins.
    static let dashboard = "default-src 'self'; script-src 'self'; style-src 'self'; " + common
    /// `/docs`: rendered by its own `/assets/docs.js` from `/openapi.json`, so, like the dashboard,
    /// nothing from other origins (it runs where the dashboard keeps the API key).
    static let docs = "default-src 'self'; script-src 'self'; style-src 'self'; " + common
}
