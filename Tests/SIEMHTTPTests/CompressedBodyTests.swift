import AsyncHTTPClient
import Foundation
import NIOCore
import SIEMTestSupport
import Testing

@testable import SIEMHTTP

/// Shippers compress by default (the OpenTelemetry Collector, Beats, Logstash): siemd's own HTTP
/// channel inflates gzip and deflate bodies for every route, within the body limit, and answers a
/// broken or oversized compressed body with a 4xx, not a 500 or a reset.
@Suite struct CompressedBodyTests {
    /// `bytes` compressed by the system's gzip (deflate: zlib's format, by Python's zlib).
    static func compress(_ bytes: [UInt8], deflate: Bool = false) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            deflate
            ? ["python3", "-c", "import sys, zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))"]
            : ["gzip", "-c"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.runSerialized()
        let writer = Thread {
            input.fileHandleForWriting.write(Data(bytes))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(data)
    }

    static func post(
        _ server: LiveServer, _ path: String, _ body: [UInt8], encoding: String, contentType: String
    ) async throws -> LiveResponse {
        var request = HTTPClientRequest(url: server.base + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: contentType)
        request.headers.add(name: "content-encoding", value: encoding)
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await server.execute(request)
    }

    @Test func gzipAndDeflateBodiesAreInflatedBeforeTheRoute() async throws {
        try await withLiveSIEM { server in
            let lines = (0..<200).map { #"{"message":"compressed line \#($0)","host":"gz"}"# }.joined(separator: "\n")
            let gzip = try await Self.post(
                server, "/ingest", try Self.compress(Array(lines.utf8)), encoding: "gzip",
                contentType: "application/x-ndjson")
            #expect(gzip.status == 200, "\(gzip.body)")
            #expect(gzip.json["count"] as? Int == 200)
            let deflate = try await Self.post(
                server, "/ingest", try Self.compress(Array(#"{"message":"deflated"}"#.utf8), deflate: true),
                encoding: "deflate", contentType: "application/json")
            #expect(deflate.status == 200, "\(deflate.body)")
            #expect(try await server.store.counts().events == 201)
        }
    }

    @Test func brokenAndOversizedCompressedBodiesAreRefusedWithNothingStored() async throws {
        try await withLiveSIEM(configure: { $0.maxBodyBytes = 64 << 10 }) { server in
            // Not gzip at all.
            let garbage = try await Self.post(
                server, "/ingest", Array(#"{"message":"plain"}"#.utf8), encoding: "gzip",
                contentType: "application/json")
            #expect(garbage.status == 400, "\(garbage.status) \(garbage.body)")
            // Cut in the middle.
            let whole = try Self.compress(Array(String(repeating: #"{"message":"x"}"#, count: 1).utf8))
            let cut = try await Self.post(
                server, "/ingest", Array(whole.prefix(whole.count / 2)), encoding: "gzip",
                contentType: "application/json")
            #expect(cut.status == 400, "\(cut.status) \(cut.body)")
            // A small body that inflates past the limit (a zip bomb) is too large, not buffered.
            let bomb = try Self.compress(Array(repeating: UInt8(ascii: " "), count: 4 << 20))
            #expect(bomb.count < 64 << 10)
            let large = try await Self.post(server, "/ingest", bomb, encoding: "gzip", contentType: "application/json")
            #expect(large.status == 413, "\(large.status) \(large.body)")
            #expect(try await server.store.counts().events == 0)
            // The server still answers.
            #expect(try await server.call("/health").status == 200)
        }
    }
}
