import Foundation
import SIEMCore

/// Reads a feed into IOCs: one document (list, CSV, STIX, MISP event) fetched conditionally, a
/// MISP feed's `manifest.json` with the event files it lists, or a TAXII 2.1 collection page by
/// page (`added_after` the last refresh).
public struct FeedReader: Sendable {
    public let fetcher: FeedFetcher

    public init(fetcher: FeedFetcher = FeedFetcher()) {
        self.fetcher = fetcher
    }

    /// What a read found.
    public struct Download: Sendable {
        /// Nil when nothing changed (304, or no new TAXII objects).
        public var result: IOCImport.Result?
        /// Whether `result` is the whole list (else only what was added since `addedAfter`).
        public var complete: Bool
        public var etag: String?
        public var lastModified: String?
        public var addedAfter: String?
    }

    static let accept = "application/json, text/csv, text/plain;q=0.9, */*;q=0.5"
    static let taxiiAccept = "application/taxii+json;version=2.1"

    /// Reads `url`; with `state`, only what changed since (validators, TAXII `added_after`).
    public func read(
        _ url: String, options: FeedOptions, defaults: IOCImport.Defaults, state: FeedState? = nil, at time: Date
    ) async throws(FeedError) -> Download {
        let isTAXII = options.format == .taxii || (options.format == nil && FeedURL.isTAXII(url))
        let download = try await fetcher.withSession { (session) async throws(FeedError) -> Download in
            if isTAXII {
                return try await readTAXII(url, defaults: defaults, after: state?.addedAfter, at: time, &session)
            }
            return try await readDocument(url, options: options, defaults: defaults, state: state, at: time, &session)
        }
        if let result = download.result, result.iocs.isEmpty, let first = result.rejected.first {
            throw .unreadable("nothing readable in the feed; \(first.location): \(first.reason)")
        }
        return download
    }

    private func readDocument(
        _ url: String, options: FeedOptions, defaults: IOCImport.Defaults, state: FeedState?, at time: Date,
        _ session: inout FeedFetcher.Session
    ) async throws(FeedError) -> Download {
        var headers = [("accept", Self.accept)]
        if let etag = state?.etag { headers.append(("if-none-match", etag)) }
        if let lastModified = state?.lastModified { headers.append(("if-modified-since", lastModified)) }
        let response = try await session.get(url, headers: headers)
        var download = Download(
            result: nil, complete: true, etag: response.headers["etag"] ?? state?.etag,
            lastModified: response.headers["last-modified"] ?? state?.lastModified)
        guard response.status != 304 else { return download }
        let text = response.body.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("<") {
            throw .unreadable("the answer is HTML or XML, not a feed")
        }
        let importOptions = IOCImport.Options(format: options.format, column: options.column)
        if options.format == nil || options.format == .misp || options.format == .json,
            let events = IOCImport.mispManifest(in: text)
        {
            download.result = try await readMISPEvents(events, of: url, defaults: defaults, at: time, &session)
        } else {
            download.result = IOCImport.parse(text, defaults: defaults, options: importOptions, at: time)
        }
        return download
    }

    /// The event files `{uuid}.json` beside a MISP feed's manifest. A file that cannot be read is
    /// a rejection; all of them failing fails the read.
    private func readMISPEvents(
        _ events: [String], of url: String, defaults: IOCImport.Defaults, at time: Date,
        _ session: inout FeedFetcher.Session
    ) async throws(FeedError) -> IOCImport.Result {
        var result = IOCImport.Result()
        var failures = 0
        var lastError: FeedError?
        for uuid in events.prefix(fetcher.configuration.maxEventFiles) {
            guard let eventURL = FeedURL.sibling(uuid + ".json", of: url) else { continue }
            do {
                let response = try await session.get(eventURL, headers: [("accept", "application/json")])
                result.merge(
                    IOCImport.parse(response.body, defaults: defaults, options: .init(format: .misp), at: time))
            } catch .tooLarge(let limit) {
                throw .tooLarge(limit)
            } catch {
                failures += 1
                lastError = error
                result.rejected.append(.init(location: uuid + ".json", value: "", reason: "\(error)"))
            }
        }
        if failures > 0, failures == min(events.count, fetcher.configuration.maxEventFiles), let lastError {
            throw .unreadable("no event file of the MISP feed could be read: \(lastError)")
        }
        return result
    }

    /// A TAXII 2.1 collection's objects, following `next` while `more` is true.
    private func readTAXII(
        _ url: String, defaults: IOCImport.Defaults, after addedAfter: String?, at time: Date,
        _ session: inout FeedFetcher.Session
    ) async throws(FeedError) -> Download {
        var result = IOCImport.Result()
        var next: String?
        var lastAdded: String?
        var pages = 0
        repeat {
            var query: [(String, String)] = []
            if let addedAfter { query.append(("added_after", addedAfter)) }
            if let next { query.append(("next", next)) }
            let response = try await session.get(
                FeedURL.taxiiObjects(url, query: query), headers: [("accept", Self.taxiiAccept)])
            pages += 1
            if let added = response.headers["x-taxii-date-added-last"] { lastAdded = added }
            let body = response.body.trimmingCharacters(in: .whitespacesAndNewlines)
            guard response.status != 204, !body.isEmpty else { break }
            let page = IOCImport.parseTAXIIEnvelope(body, defaults: defaults, at: time)
            result.merge(page.result)
            guard page.more, let token = page.next, pages < fetcher.configuration.maxPages else { break }
            next = token
        } while true
        let complete = addedAfter == nil
        let nothingNew = !complete && result.iocs.isEmpty && result.withdrawn.isEmpty && result.rejected.isEmpty
        return Download(
            result: nothingNew ? nil : result, complete: complete, etag: nil, lastModified: nil,
            addedAfter: lastAdded ?? addedAfter)
    }
}
