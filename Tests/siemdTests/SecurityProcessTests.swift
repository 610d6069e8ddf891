import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SIEMTestSupport
import Testing

/// What a real siemd process logs about its protections, and what it never logs.
@Suite(.serialized) struct SecurityProcessTests {
    func status(_ url: String, headers: [(String, String)], body: String? = nil) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    @Test func secretsStayOutOfTheLogAndTheBannerSaysWhatIsOn() async throws {
        let key = "key-\(UUID().uuidString)"
        let password = "pass-\(UUID().uuidString)"
        let guess = "guess-\(UUID().uuidString)"
        let directory = try TemporaryDirectory(prefix: "siemd")
        defer { withExtendedLifetime(directory) {} }
        let siemd = try SiemdProcess(
            arguments: ["--db", directory.databasePath],
            environment: [
                "SIEM_API_KEY": key, "SIEM_BASIC_USER": "admin", "SIEM_BASIC_PASS": password, "LOG_LEVEL": "trace",
                "SIEM_RATE_LIMIT_ENABLED": "true", "SIEM_TRUSTED_HOSTS": "127.0.0.1,localhost,VOLVIX.local",
            ])
        let basic = "Basic " + Data("admin:\(password)".utf8).base64EncodedString()
        let wrongBasic = "Basic " + Data("admin:\(guess)".utf8).base64EncodedString()
        #expect(try await status(siemd.baseURL + "/events", headers: [("x-api-key", key)]) == 200)
        #expect(try await status(siemd.baseURL + "/events", headers: [("Authorization", basic)]) == 200)
        #expect(try await status(siemd.baseURL + "/events", headers: [("x-api-key", guess)]) == 401)
        #expect(try await status(siemd.baseURL + "/events", headers: [("Authorization", wrongBasic)]) == 401)
        #expect(
            try await status(siemd.baseURL + "/events?limit=x", headers: [("Authorization", "Bearer \(key)")]) == 422)
        #expect(
            try await status(siemd.baseURL + "/ingest", headers: [("x-api-key", key)], body: #"{"message": "m"}"#)
                == 200)
        #expect(try await status(siemd.baseURL + "/health", headers: [("Host", "VOLVIX.local:8000")]) == 200)
        #expect(try await status(siemd.baseURL + "/health", headers: [("Host", "evil.example")]) == 400)
        #expect(siemd.stop(signal: SIGTERM) == 0)

        let log = siemd.log
        for secret in [key, password, guess, String(basic.dropFirst(6)), String(wrongBasic.dropFirst(6))] {
            #expect(!log.contains(secret), "a secret is in the log:\n\(log)")
        }
        let banner = try #require(log.split(separator: "\n").first { $0.contains("siemd protections") })
        #expect(banner.contains("auth=api_key+basic"), "\(banner)")
        #expect(banner.contains("auth.exempt_paths=/health"), "\(banner)")
        #expect(banner.contains("trusted_hosts=127.0.0.1,localhost,volvix.local"), "\(banner)")
        #expect(banner.contains("rate_limit=50.0/s burst 100 on /ingest,/edr"), "\(banner)")
        #expect(banner.contains("max_body_bytes=1048576"), "\(banner)")
        #expect(!log.contains("AUTHENTICATION IS OFF"))
    }

    @Test func halfOfTheBasicCredentialsStopsTheStart() throws {
        for (variable, missing) in [("SIEM_BASIC_USER", "SIEM_BASIC_PASS"), ("SIEM_BASIC_PASS", "SIEM_BASIC_USER")] {
            let directory = try TemporaryDirectory(prefix: "siemd")
            defer { withExtendedLifetime(directory) {} }
            do {
                _ = try SiemdProcess(
                    arguments: ["--db", directory.databasePath], environment: [variable: "only-half-\(variable)"])
                Issue.record("siemd started with only \(variable)")
            } catch SiemdProcess.ProcessError.didNotStart(let log) {
                #expect(log.contains(missing), "\(log)")
                #expect(!log.contains("only-half-"), "\(log)")
            }
        }
    }

    /// Without authentication siemd refuses a non-loopback address unless SIEM_ALLOW_INSECURE=1,
    /// and then warns loudly; with a key it starts quietly.
    @Test func listeningBeyondLoopbackWithoutAuthNeedsAllowInsecure() throws {
        let refusedDirectory = try TemporaryDirectory(prefix: "siemd")
        do {
            _ = try SiemdProcess(arguments: ["--db", refusedDirectory.databasePath, "--host", "0.0.0.0"])
            Issue.record("siemd listened on 0.0.0.0 without authentication")
        } catch SiemdProcess.ProcessError.didNotStart(let log) {
            #expect(log.contains("refusing to listen on 0.0.0.0 without authentication"), "\(log)")
            #expect(log.contains("SIEM_ALLOW_INSECURE"))
        }

        let openDirectory = try TemporaryDirectory(prefix: "siemd")
        defer { withExtendedLifetime(openDirectory) {} }
        let open = try SiemdProcess(
            arguments: ["--db", openDirectory.databasePath, "--host", "0.0.0.0"],
            environment: ["SIEM_ALLOW_INSECURE": "1"])
        #expect(open.stop(signal: SIGTERM) == 0)
        #expect(open.log.contains("AUTHENTICATION IS OFF while listening on 0.0.0.0"), "\(open.log)")
        #expect(open.log.contains("auth=off"))

        let guardedDirectory = try TemporaryDirectory(prefix: "siemd")
        defer { withExtendedLifetime(guardedDirectory) {} }
        let guarded = try SiemdProcess(
            arguments: ["--db", guardedDirectory.databasePath, "--host", "0.0.0.0"], environment: ["SIEM_API_KEY": "k"])
        #expect(guarded.stop(signal: SIGTERM) == 0)
        #expect(!guarded.log.contains("AUTHENTICATION IS OFF"))
    }

    /// `siemd keys add` prints a key once and stores only its hash; siemd then admits that key
    /// with its role, and refuses a second key of the same name.
    @Test func keysAddCreatesAKeyThatSiemdAdmitsWithItsRole() async throws {
        let directory = try TemporaryDirectory(prefix: "siemd-keys")
        let file = directory.path("api-keys")
        func keys(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try runSiemd(["keys", "add"] + arguments + ["--file", file])
        }
        let added = try keys(["alice", "--role", "analyst"])
        #expect(added.status == 0)
        let key = added.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.count == 64)
        let stored = try String(contentsOfFile: file, encoding: .utf8)
        #expect(stored.hasPrefix("alice analyst "))
        #expect(!stored.contains(key), "the key itself must not be stored")
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try keys(["alice", "--role", "reader"]).status != 0)
        #expect(try keys(["bob", "--role", "root"]).status != 0)

        let siemd = try SiemdProcess(
            arguments: ["--db", directory.databasePath], environment: ["SIEM_API_KEYS_FILE": file])
        defer { _ = siemd.stop(signal: SIGTERM) }
        #expect(try await status("\(siemd.baseURL)/events", headers: [("x-api-key", key)]) == 200)
        #expect(try await status("\(siemd.baseURL)/audit", headers: [("x-api-key", key)]) == 403)
        #expect(try await status("\(siemd.baseURL)/events", headers: [("x-api-key", "not-" + key)]) == 401)
    }
}

/// Finding 1 of the second review: idle connections no longer exhaust siemd's descriptors.
@Suite struct DescriptorExhaustionTests {
    /// With 256 descriptors, 400 idle connections fill them (and the accept backlog); the idle
    /// timeout closes them, so `/health` answers again within seconds instead of never.
    @Test func idleConnectionsCannotStarveTheServer() async throws {
        let directory = try TemporaryDirectory(prefix: "siemd-fd")
        let siemd = try SiemdProcess(
            arguments: ["--db", directory.databasePath], environment: ["SIEM_IDLE_TIMEOUT": "2"], openFiles: 256)
        defer { _ = siemd.stop(signal: SIGTERM) }
        var idle: [RawConnection] = []
        for _ in 0..<400 {
            guard let connection = try? await RawConnection.open(port: siemd.port, timeout: 1) else { break }
            idle.append(connection)
        }
        #expect(idle.count > 256, "the backlog took \(idle.count) connections")
        var answered = false
        let deadline = Date().addingTimeInterval(30)
        while !answered, Date() < deadline {
            if let probe = try? await RawConnection.open(port: siemd.port, timeout: 3) {
                try? await probe.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                answered = await probe.receive().hasPrefix("HTTP/1.1 200")
            }
        }
        #expect(answered, "GET /health never answered while idle connections held the descriptors")
        withExtendedLifetime(idle) {}
    }
}
