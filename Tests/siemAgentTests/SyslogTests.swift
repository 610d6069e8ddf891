import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SIEMTestSupport
import Testing

/// `siem-agent syslog` end to end: real UDP and TCP sockets on loopback and a real siemd.
@Suite struct SyslogTests {
    static let rfc3164 = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8 udp-3164"
    static let rfc5424 =
        #"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] udp-5424 An application event log entry"#
    static let malformed = "udp-malformed \u{1} no priority, no header"

    func send(udp messages: [String], port: Int) async throws {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        for message in messages {
            try await channel.writeAndFlush(
                AddressedEnvelope(remoteAddress: address, data: ByteBuffer(string: message)))
        }
        try await channel.close()
    }

    func send(tcp bytes: String, port: Int) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: bytes))
        try await channel.close()
    }

    static func octetCounted(_ message: String) -> String { "\(message.utf8.count) \(message)" }

    @Test func udpAndBothTCPFramingsAllArrive() async throws {
        let directory = try TemporaryDirectory(prefix: "syslog")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        let siemd = try Siemd(folder: folder)
        let agent = try ChildProcess(
            "siem-agent",
            [
                "syslog", "--bind", "127.0.0.1", "--port", "0", "--endpoint", siemd.ingestURL, "--batch-wait", "0.2",
                "--dead-letter", folder + "/dead.ndjson",
            ],
            logPath: folder + "/agent.log")
        let port = try agent.waitForNumber(after: "syslog.port")

        let big = "<13>big-udp " + String(repeating: "b", count: 60_000)
        try await send(udp: [Self.rfc3164, Self.rfc5424, Self.malformed, big], port: port)
        // Octet counting keeps a newline inside a message; the frames are split across writes.
        let counted = [
            "<34>1 2026-11-29T09:00:00Z host app - - - tcp-counted-1",
            "<34>Nov 29 09:00:00 host app: tcp-counted-2 first line\nsecond line",
            "<34>1 2026-11-29T09:00:00Z host app - - - tcp-counted-3",
        ].map(Self.octetCounted).joined()
        try await send(tcp: counted, port: port)
        // Newline framing, CRLF tolerated, the last message closed by the end of the connection.
        try await send(
            tcp:
                "<34>Nov 29 09:00:00 host app: tcp-line-1\n<34>Nov 29 09:00:00 host app: tcp-line-2\r\nmalformed tcp-line-3",
            port: port)

        let expected: [String: String] = [
            Self.rfc3164: "udp", Self.rfc5424: "udp", Self.malformed: "udp", big: "udp",
            "<34>1 2026-11-29T09:00:00Z host app - - - tcp-counted-1": "tcp",
            "<34>Nov 29 09:00:00 host app: tcp-counted-2 first line\nsecond line": "tcp",
            "<34>1 2026-11-29T09:00:00Z host app - - - tcp-counted-3": "tcp",
            "<34>Nov 29 09:00:00 host app: tcp-line-1": "tcp",
            "<34>Nov 29 09:00:00 host app: tcp-line-2": "tcp",
            "malformed tcp-line-3": "tcp",
        ]
        #expect(await eventually { try await siemd.events(source: "syslog").count >= expected.count })
        let events = try await siemd.events(source: "syslog")
        var found: [String: String] = [:]
        for event in events {
            let fields = event["fields"] as? [String: Any] ?? [:]
            #expect(fields["peer"] as? String == "127.0.0.1")
            found[event["message"] as! String] = fields["transport"] as? String
        }
        #expect(found == expected)
        #expect(events.count == expected.count)
        #expect(agent.stop(signal: SIGTERM) == 0)
        #expect(agent.log.contains("counters.received=10"))
        #expect(agent.log.contains("counters.sent=10"))
    }

    @Test func tlsConnectionsArrive() async throws {
        let directory = try TemporaryDirectory(prefix: "syslog-tls")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", folder + "/key.pem", "-out",
            folder + "/cert.pem", "-subj", "/CN=localhost", "-days", "1",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.runSerialized()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)

        let siemd = try Siemd(folder: folder)
        let agent = try ChildProcess(
            "siem-agent",
            [
                "syslog", "--bind", "127.0.0.1", "--port", "0", "--endpoint", siemd.ingestURL, "--batch-wait", "0.2",
                "--tls-cert", folder + "/cert.pem", "--tls-key", folder + "/key.pem",
                "--dead-letter", folder + "/dead.ndjson",
            ],
            logPath: folder + "/agent.stderr")
        let port = try agent.waitForNumber(after: "syslog.port")
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        let context = try NIOSSLContext(configuration: configuration)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        NIOSSLClientHandler(context: context, serverHostname: nil))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let counted = "<34>1 2026-11-29T09:00:00Z host app - - - tls-counted"
        try await channel.writeAndFlush(
            ByteBuffer(string: Self.octetCounted(counted) + Self.octetCounted(counted + "-2")))
        #expect(await eventually { try await siemd.events(source: "syslog").count >= 2 })
        try await channel.close()
        let events = try await siemd.events(source: "syslog")
        #expect(events.map { $0["message"] as? String } == [counted, counted + "-2"])
        #expect(events.allSatisfy { ($0["fields"] as? [String: Any])?["transport"] as? String == "tls" })
        #expect(agent.stop(signal: SIGTERM) == 0)
    }
}
