import Foundation
import Hummingbird
import SIEMCore
import SIEMEngine
import SIEMStore

/// `POST|GET /ti/feeds`, `GET|DELETE /ti/feeds/{id}`, `POST /ti/feeds/{id}/refresh`.
extension TIRoutes {
    func registerFeeds(on router: Router<SIEMRequestContext>) {
        router.post("/ti/feeds") { request, context in try await addFeed(request, context) }
        router.get("/ti/feeds") { _, _ in try await listFeeds() }
        router.get("/ti/feeds/{id}") { _, context in try await showFeed(context) }
        router.delete("/ti/feeds/{id}") { _, context in try await deleteFeed(context) }
        router.post("/ti/feeds/{id}/refresh") { _, context in try await refreshFeed(context) }
    }

    /// `{url, format?, type?, column?, interval?, severity?, name?}`; fetched once before answering.
    func addFeed(_ request: Request, _ context: SIEMRequestContext) async throws -> Response {
        let body = try await JSONRequestBody.read(request, limit: maxBodyBytes)
        guard let url = try body.nonEmptyString("url", maxLength: 4096) else {
            throw APIError.invalid("`url` is required")
        }
        var options = FeedOptions()
        for name in FeedOptions.names {
            switch body.members[name] {
            case nil, .null?: continue
            case .string(let text)?: try options.set(name, text)
            case .int(let number)? where name == "column" || name == "interval": try options.set(name, String(number))
            default: throw APIError.invalid("`\(name)` must be a string")
            }
        }
        let feed = try await feeds.add(try FeedSpec(url: url, options: options), actor: actor(request, context))
        return JSONBody.response(status: .created) { $0.feed(feed, defaultInterval: defaultInterval) }
    }

    func listFeeds() async throws -> Response {
        let items = try await feeds.feeds()
        return JSONBody.response { body in
            body.object([
                ("items", { body in body.array(items) { $0.feed($1, defaultInterval: defaultInterval) } }),
                ("next_cursor", { $0.raw("null") }),
            ])
        }
    }

    func showFeed(_ context: SIEMRequestContext) async throws -> Response {
        let feed = try await feeds.feed(id: try context.id("feed"))
        return JSONBody.response { $0.feed(feed, defaultInterval: defaultInterval) }
    }

    func deleteFeed(_ context: SIEMRequestContext) async throws -> Response {
        let id = try context.id("feed")
        let sync = try await feeds.delete(id: id)
        return JSONBody.response { body in
            body.object([
                ("deleted", { $0.raw("true") }), ("id", { $0.raw(String(id)) }),
                ("iocs_removed", { $0.raw(String(sync.removed)) }),
                ("iocs_expired", { $0.raw(String(sync.expired)) }),
            ])
        }
    }

    func refreshFeed(_ context: SIEMRequestContext) async throws -> Response {
        let feed = try await feeds.refresh(id: try context.id("feed"))
        return JSONBody.response { $0.feed(feed, defaultInterval: defaultInterval) }
    }

    var defaultInterval: Int { feeds.configuration.defaultInterval }

    /// The authenticated identity, else `x-siem-user`, else `api` (as for incidents).
    func actor(_ request: Request, _ context: SIEMRequestContext) -> String {
        if let identity = context.identity { return identity.name }
        if let header = request.headers.first(where: { $0.name.canonicalName == "x-siem-user" })?.value,
            !header.isEmpty
        {
            return String(header.prefix(200))
        }
        return "api"
    }
}

extension JSONBody {
    /// A feed as the API shows it: the URL without credentials or query values.
    mutating func feed(_ feed: TIFeed, defaultInterval: Int) {
        let state = feed.state
        object([
            ("id", { $0.raw(feed.id.map(String.init) ?? "null") }),
            ("url", { $0.string(feed.displayURL) }),
            ("source", { $0.string(feed.source) }),
            ("origin", { $0.string(feed.origin.rawValue) }),
            ("created_by", { $0.string(feed.createdBy) }),
            ("created_at", { $0.date(feed.createdAt) }),
            ("format", { $0.optional(feed.options.format?.rawValue ?? (feed.isTAXII ? "taxii" : nil)) }),
            ("type", { $0.optional(feed.options.type?.rawValue) }),
            ("column", { $0.optional(feed.options.column?.description) }),
            ("severity", { $0.string((feed.options.severity ?? .high).rawValue) }),
            ("interval", { $0.raw(String(feed.interval(default: defaultInterval))) }),
            ("ioc_count", { $0.raw(String(state.iocCount)) }),
            ("last_attempt_at", { $0.optionalDate(state.lastAttemptAt) }),
            ("last_success_at", { $0.optionalDate(state.lastSuccessAt) }),
            ("next_refresh_at", { $0.optionalDate(feed.nextRefresh(default: defaultInterval)) }),
            ("last_error", { $0.optional(state.lastError) }),
            (
                "last_result",
                { body in
                    guard let result = state.lastResult else { return body.raw("null") }
                    body.object([
                        ("not_modified", { $0.raw(result.notModified ? "true" : "false") }),
                        ("added", { $0.raw(String(result.added)) }),
                        ("updated", { $0.raw(String(result.updated)) }),
                        ("removed", { $0.raw(String(result.removed)) }),
                        ("expired", { $0.raw(String(result.expired)) }),
                        ("rejected", { $0.raw(String(result.rejected)) }),
                        ("skipped", { $0.raw(String(result.skipped)) }),
                    ])
                }
            ),
        ])
    }
}
