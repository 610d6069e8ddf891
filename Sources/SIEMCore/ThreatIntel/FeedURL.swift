import Foundation

/// Feed URLs: which are accepted, how they are shown without secrets, and the URLs derived from
/// them (TAXII objects, MISP event files, redirect targets).
public enum FeedURL {
    /// Refuses anything but an absolute `http` or `https` URL with a host.
    public static func validate(_ url: String) throws(InvalidInput) {
        guard url.utf8.count <= 4096, let components = URLComponents(string: url),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else {
            throw InvalidInput("a feed URL is an absolute http:// or https:// URL with a host")
        }
    }

    /// The URL without user, password, fragment or query values (`?key=***`): what logs and
    /// listings show.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "(invalid URL)" }
        components.user = nil
        components.password = nil
        components.fragment = nil
        if let items = components.queryItems, !items.isEmpty {
            components.percentEncodedQuery = items.map { "\($0.name)=***" }.joined(separator: "&")
        }
        return components.string ?? "(invalid URL)"
    }

    /// `feed:` and the host and path, for the `source` of a feed's IOCs.
    public static func defaultName(_ url: String) -> String {
        guard let components = URLComponents(string: url) else { return "feed" }
        return String(("feed:" + (components.host ?? "") + components.path).prefix(200))
    }

    /// The URL without its user and password, and those credentials (for an `Authorization: Basic`).
    public static func credentials(_ url: String) -> (url: String, user: String, password: String)? {
        guard var components = URLComponents(string: url), let user = components.user else { return nil }
        let password = components.password ?? ""
        components.user = nil
        components.password = nil
        components.fragment = nil
        return components.string.map {
            ($0, user.removingPercentEncoding ?? user, password.removingPercentEncoding ?? password)
        }
    }

    /// Whether the path is a TAXII 2.1 collection (`…/collections/{id}/` or its `objects/`).
    public static func isTAXII(_ url: String) -> Bool {
        guard let path = URLComponents(string: url)?.path else { return false }
        let parts = path.split(separator: "/")
        guard let index = parts.lastIndex(of: "collections"), index + 1 < parts.count else { return false }
        return parts.count == index + 2 || (parts.count == index + 3 && parts[index + 2] == "objects")
    }

    /// The objects endpoint of a TAXII collection URL, with `query` set (`added_after`, `next`).
    public static func taxiiObjects(_ url: String, query: [(String, String)] = []) -> String {
        guard var components = URLComponents(string: url) else { return url }
        var path = components.path
        if !path.hasSuffix("/") { path += "/" }
        if !path.hasSuffix("/objects/") { path += "objects/" }
        components.path = path
        components.fragment = nil
        var items = (components.queryItems ?? []).filter { item in !query.contains { $0.0 == item.name } }
        items += query.map { URLQueryItem(name: $0.0, value: $0.1) }
        components.queryItems = items.isEmpty ? nil : items
        // `+` in a timestamp's zone would read as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? url
    }

    /// `name` in the folder of `url` (a MISP event file beside `manifest.json`), with its query.
    public static func sibling(_ name: String, of url: String) -> String? {
        guard var components = URLComponents(string: url) else { return nil }
        var path = components.path
        if let slash = path.lastIndex(of: "/") { path = String(path[...slash]) } else { path = "/" }
        components.path = path + name
        components.fragment = nil
        return components.string
    }

    /// `location` (a redirect's `Location`) resolved against `base`; nil unless it is http or https.
    public static func resolve(_ location: String, against base: String) -> String? {
        guard let baseURL = URL(string: base), let target = URL(string: location, relativeTo: baseURL)?.absoluteURL,
            let scheme = target.scheme?.lowercased(), scheme == "http" || scheme == "https", target.host != nil
        else { return nil }
        return target.absoluteString
    }

    /// The host of a URL (lowercased), to tell whether a redirect leaves it.
    public static func host(_ url: String) -> String? {
        URLComponents(string: url)?.host?.lowercased()
    }
}
