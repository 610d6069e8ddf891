import Foundation
import Hummingbird
import SIEMCore
import SIEMEngine
import SIEMStore

/// `POST /ti/iocs`, `GET /ti/iocs`, `GET|DELETE /ti/iocs/{id}`, `POST /ti/iocs/import`, and the
/// feeds (`TIRoutes+Feeds.swift`).
struct TIRoutes: Sendable {
    let threatIntel: ThreatIntelService
    let feeds: ThreatIntelFeeds
    let maxBodyBytes: Int

    func register(on router: Router<SIEMRequestContext>) {
        router.post("/ti/iocs") { request, _ in try await add(request) }
        router.get("/ti/iocs") { request, _ in try await list(request) }
        router.post("/ti/iocs/import") { request, context in try await bulkImport(request, context) }
        router.get("/ti/iocs/{id}") { _, context in try await show(context) }
        router.delete("/ti/iocs/{id}") { _, context in try await delete(context) }
        registerFeeds(on: router)
    }

    func add(_ request: Request) async throws -> Response {
        let body = try await JSONRequestBody.read(request, limit: maxBodyBytes)
        guard let typeText = try body.string("type") else {
            throw APIError.invalid("`type` is required: ip, domain, sha256, sha1 or md5")
        }
        guard let type = IOCType(rawValue: typeText.lowercased()) else {
            throw APIError.invalid("`type` must be one of ip, domain, sha256, sha1, md5")
        }
        guard let rawValue = try body.string("value") else { throw APIError.invalid("`value` is required") }
        let value: String
        do { value = try type.canonical(rawValue) } catch { throw APIError.invalid("`value`: \(error)") }
        let hours = try body.int("retro_hunt_hours", in: 0...8760)
        let now = Date()
        let ioc = IOC(
            type: type, value: value,
            source: try body.nonEmptyString("source", maxLength: 200) ?? "manual",
            note: try body.string("note") ?? "",
            severity: try body.severity() ?? .high,
            createdAt: now,
            expiresAt: try body.date("expires_at"))
        let added = try await threatIntel.add(ioc, retroHuntHours: hours.map(Int.init))
        var extra: [(String, (inout JSONBody) -> Void)] = [("created", { $0.raw(added.created ? "true" : "false") })]
        if let hunt = added.retroHunt {
            extra.append(
                (
                    "retro_hunt",
                    { body in
                        body.object([
                            ("hours", { $0.raw(String(hunt.hours)) }),
                            ("events_scanned", { $0.raw(String(hunt.eventsScanned)) }),
                            ("alerts", { $0.raw(String(hunt.alerts.count)) }),
                            (
                                "alert_ids",
                                { body in body.array(hunt.alerts.flatMap(\.alerts)) { $0.raw(String($1.id ?? 0)) } }
                            ),
                        ])
                    }
                ))
        }
        return JSONBody.response(status: added.created ? .created : .ok) { $0.ioc(added.ioc, at: now, extra: extra) }
    }

    func list(_ request: Request) async throws -> Response {
        let parameters = try QueryParameters(request, route: "GET /ti/iocs")
        var type: IOCType?
        if let text = parameters.string("type") {
            guard let parsed = IOCType(rawValue: text.lowercased()) else {
                throw APIError.invalid("`type` must be one of ip, domain, sha256, sha1, md5")
            }
            type = parsed
        }
        var value: String?
        if let text = parameters.string("value") {
            if let type {
                do { value = try type.canonical(text) } catch { throw APIError.invalid("`value`: \(error)") }
            } else if let guessed = IOCType.guess(text) {
                value = try? guessed.canonical(text)
            } else {
                value = text.lowercased()
            }
        }
        let query = IOCQuery(
            limit: try parameters.limit(), cursor: try parameters.cursor(), type: type, value: value,
            source: parameters.string("source"))
        let page = try await threatIntel.iocs(query)
        let now = Date()
        return JSONBody.response { body in
            body.object([
                ("items", { body in body.array(page.items) { $0.ioc($1, at: now) } }),
                ("next_cursor", { $0.optional(page.nextCursor) }),
            ])
        }
    }

    func show(_ context: SIEMRequestContext) async throws -> Response {
        let id = try context.id("IOC")
        let ioc = try await threatIntel.ioc(id: id)
        return JSONBody.response { $0.ioc(ioc) }
    }

    func delete(_ context: SIEMRequestContext) async throws -> Response {
        let id = try context.id("IOC")
        try await threatIntel.delete(id: id)
        return JSONBody.response { body in
            body.object([("deleted", { $0.raw("true") }), ("id", { $0.raw(String(id)) })])
        }
    }

    /// A list, CSV, STIX 2.1 bundle or MISP event in the body, or `{"url": "…"}` to fetch one (a
    /// MISP feed manifest and a TAXII collection too); `type`, `source`, `note`, `severity` and
    /// `expires_at` query parameters give defaults for entries that do not carry their own,
    /// `format` and `column` say how to read the text.
    func bulkImport(_ request: Request, _ context: SIEMRequestContext) async throws -> Response {
        let parameters = try QueryParameters(request, route: "POST /ti/iocs/import")
        var defaults = IOCImport.Defaults(source: parameters.string("source") ?? "import")
        var options = FeedOptions()
        for name in ["type", "format", "column"] {
            if let value = parameters.string(name) { try options.set(name, value) }
        }
        defaults.type = options.type
        defaults.note = parameters.string("note") ?? ""
        defaults.severity = try parameters.severity() ?? .high
        defaults.expiresAt = try parameters.date("expires_at")
        let data = try await collectBody(request, limit: maxBodyBytes)
        let text = String(decoding: data, as: UTF8.self)
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError.badRequest(
                "the request body is empty; send a list, CSV, STIX or MISP JSON, or {\"url\": \"https://…\"}")
        }
        let result: ThreatIntelService.Import
        if let url = Self.importURL(data) {
            // A URL makes siemd itself fetch it (loopback and private addresses included), so
            // only an admin may name one, as for `POST /ti/feeds`.
            if let identity = context.identity, identity.role != .admin {
                throw APIError(
                    .forbidden, "insufficient_role",
                    "importing from a URL needs the admin role; send the feed's content instead")
            }
            result = try await threatIntel.importIOCs(url: url, defaults: defaults, options: options)
        } else {
            result = try await threatIntel.importIOCs(
                text, defaults: defaults, options: IOCImport.Options(format: options.format, column: options.column))
        }
        let created = result.stored.filter(\.created).count
        return JSONBody.response { body in
            body.object([
                ("imported", { $0.raw(String(result.stored.count)) }),
                ("created", { $0.raw(String(created)) }),
                ("updated", { $0.raw(String(result.stored.count - created)) }),
                ("skipped", { $0.raw(String(result.skipped)) }),
                ("rejected_count", { $0.raw(String(result.rejected.count)) }),
                (
                    "rejected",
                    { body in
                        body.array(Array(result.rejected.prefix(100))) { body, rejection in
                            body.object([
                                ("location", { $0.string(rejection.location) }),
                                ("value", { $0.string(rejection.value) }),
                                ("reason", { $0.string(rejection.reason) }),
                            ])
                        }
                    }
                ),
            ])
        }
    }

    /// The URL of a `{"url": "…"}` body (an object with that one member).
    static func importURL(_ data: Data) -> String? {
        guard data.count < 8192, data.first(where: { $0 > 0x20 }) == UInt8(ascii: "{"),
            case .object(let members)? = try? JSONParser.parse(data), members.count == 1,
            case .string(let url)? = members["url"]
        else { return nil }
        return url
    }
}
