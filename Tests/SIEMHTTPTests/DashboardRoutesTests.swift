import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import SIEMHTTP

@Suite struct DashboardRoutesTests {
    @Test func pageAndAssetsHaveTypesCachingAndPolicy() async throws {
        try await withSIEM { client, _ async throws in
            let page = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.cacheControl] == "no-cache")
            #expect(page.text.contains(#"<script type="module" src="/assets/app.js"></script>"#))
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self';"))
            #expect(!policy.contains("unsafe-inline"))

            let script = try await client.get("/assets/app.js")
            #expect(script.status == .ok)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect((try await client.get("/assets/style.css")).headers[.contentType] == "text/css; charset=utf-8")
            #expect((try await client.get("/assets/favicon.svg")).headers[.contentType] == "image/svg+xml")

            let etag = try #require(script.headers[.eTag])
            let again = try await client.execute(uri: "/assets/app.js", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)

            expectError(try await client.get("/assets/missing.js"), .notFound)
            expectError(try await client.get("/assets/index.html"), .notFound)
        }
    }

    /// No dashboard file may parse log data as HTML or run inline code; the CSP forbids inline script.
    @Test func dashboardSourcesNeverUseHTMLSinks() throws {
        let assets = StaticAsset.load(folder: "Dashboard")
        #expect(assets.keys.contains("app.js"))
        for (name, asset) in assets where name.hasSuffix(".js") || name.hasSuffix(".html") {
            let text = String(buffer: asset.bytes)
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
                #expect(!text.contains(sink), "\(name) uses \(sink)")
            }
            if name.hasSuffix(".html") {
                #expect(!text.contains(" on"), "\(name) has an inline event handler")
                #expect(!text.contains("style="), "\(name) has an inline style")
                #expect(!text.contains("<script>"), "\(name) has an inline script")
            }
        }
    }
}
