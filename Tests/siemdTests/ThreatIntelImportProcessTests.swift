import AsyncHTTPClient
import Foundation
import NIOCore
import SIEMTestSupport
import Testing

/// `siemd ti import` against a running siemd, and a failing `SIEM_TI_FEEDS` feed in its log.
@Suite(.serialized) struct ThreatIntelImportProcessTests {
    static func get(_ url: String, key: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "x-api-key", value: key)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    @Test func importsFilesThroughTheAPIAndLogsFeedsWithoutSecrets() async throws {
        let directory = try TemporaryDirectory(prefix: "siemd-ti")
        defer { withExtendedLifetime(directory) {} }
        let key = "ti-import-test-key-0123456789"
        let siemd = try SiemdProcess(
            arguments: ["--db", directory.databasePath],
            environment: [
                "SIEM_API_KEY": key, "SIEM_TI_FEED_TIMEOUT": "1",
                // Nothing listens on port 1: the fetch fails and is logged.
                "SIEM_TI_FEEDS": "http://reader:hunter2@127.0.0.1:1/feed.txt?token=T0KEN#type=ip",
            ])
        let (status, output) = try runSiemd([
            "ti", "import", "examples/stix-bundle.json", "--server", siemd.baseURL, "--api-key", key, "--source",
            "stix-file",
        ])
        #expect(status == 0, "\(output)")
        let summary = (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any] ?? [:]
        #expect(summary["imported"] as? Int == 3, "\(output)")
        let csv = try runSiemd([
            "ti", "import", "examples/c2-ips.csv", "--server", siemd.baseURL, "--api-key", key, "--column", "dst_ip",
            "--type", "ip", "--source", "feodo",
        ])
        #expect(csv.0 == 0, "\(csv.1)")
        let iocs = try await Self.get(siemd.baseURL + "/ti/iocs?limit=50", key: key)
        let sources = (iocs["items"] as? [[String: Any]] ?? []).compactMap { $0["source"] as? String }
        #expect(sources.filter { $0 == "stix-file" }.count == 3)
        #expect(sources.filter { $0 == "feodo" }.count == 2)
        let audit = try await Self.get(siemd.baseURL + "/audit?actor=api-key", key: key)
        let actions = (audit["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
        #expect(actions.filter { $0 == "POST /ti/iocs/import" }.count == 2)
        // Refused before any request: a bad option, a wrong key, a missing file.
        #expect(try runSiemd(["ti", "import", "x.txt", "--type", "url"]).0 != 0)
        #expect(try runSiemd(["ti", "import", "examples/domains.txt", "--server", siemd.baseURL]).0 != 0)
        #expect(try runSiemd(["ti", "import", "no-such-file.txt", "--server", siemd.baseURL]).0 != 0)

        var failed = false
        for _ in 0..<200 where !failed {
            let feeds = try await Self.get(siemd.baseURL + "/ti/feeds", key: key)
            let feed = (feeds["items"] as? [[String: Any]])?.first
            failed = feed?["last_error"] is String
            if !failed { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(failed)
        let feeds = try await Self.get(siemd.baseURL + "/ti/feeds", key: key)
        let error = (feeds["items"] as? [[String: Any]])?.first?["last_error"] as? String
        #expect(error?.hasPrefix("cannot fetch: ") == true, "\(error ?? "")")
        #expect(siemd.stop(signal: SIGTERM) == 0)
        #expect(siemd.log.contains("threat-intel feed refresh failed"), "\(siemd.log)")
        #expect(siemd.log.contains("ti.feed.url=http://127.0.0.1:1/feed.txt?token=***"), "\(siemd.log)")
        #expect(!siemd.log.contains("hunter2") && !siemd.log.contains("T0KEN"))
    }
}
