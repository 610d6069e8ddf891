import Hummingbird

/// The error shape a path's clients read. A shipper speaking another server's protocol is told
/// of every refusal (401, 413, 429, a bad body) in that server's shape, so its own retry and error
/// handling applies; every other path answers siemd's `{"error", "detail"}`.
enum ErrorDialect: Equatable, Sendable {
    /// `{"error": code, "detail": sentence}`.
    case siem
    /// Elasticsearch's `{"error": {"root_cause": […], "type", "reason"}, "status"}` with
    /// `X-Elastic-Product`: a path whose first segment starts with `_` (`/_bulk`, `/_license`), or
    /// whose second does below an index rather than one of siemd's own paths (`/logs/_bulk`, not
    /// `/assets/_x`), and `/` when the client does not ask for HTML.
    case elasticsearch
    /// Splunk HEC's `{"text", "code"}`: `/services/collector` and below.
    case splunk
    /// OTLP's `google.rpc.Status`, as protobuf when the request body is protobuf: `/v1/` and below.
    case otlp(protobuf: Bool)

    init(_ request: Request) {
        self.init(
            path: request.uri.path, accept: request.headers[.accept], contentType: request.headers[.contentType])
    }

    init(path: String, accept: String? = nil, contentType: String? = nil) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        if segments.count >= 2, segments[0] == "services", segments[1] == "collector" {
            self = .splunk
        } else if segments.first == "v1" {
            let type = contentType?.lowercased() ?? ""
            self = .otlp(protobuf: type.hasPrefix("application/x-protobuf") || type.hasPrefix("application/protobuf"))
        } else if let first = segments.first, first.hasPrefix("_") {
            self = .elasticsearch
        } else if segments.count >= 2, segments[1].hasPrefix("_"), !Self.siemRoots.contains(String(segments[0])) {
            self = .elasticsearch
        } else if segments.isEmpty, !Self.asksForHTML(accept) {
            self = .elasticsearch
        } else {
            self = .siem
        }
    }

    /// The first segments of siemd's own documented paths (`events`, `assets`, …).
    static let siemRoots: Set<String> = Set(
        RouteRoles.bundled.routes.compactMap { route in route.segments.first ?? nil }.filter { !$0.hasPrefix("_") })

    /// Whether an `Accept` header asks for a page: browsers list `text/html` first, while curl
    /// (`*/*`), Elasticsearch clients (`application/vnd.elasticsearch+json`) and clients that send
    /// no `Accept` at all are API clients.
    static func asksForHTML(_ accept: String?) -> Bool {
        accept?.lowercased().contains("text/html") ?? false
    }
}
