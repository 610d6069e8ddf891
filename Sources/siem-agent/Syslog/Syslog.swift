import ArgumentParser
import Foundation
import Logging
import NIOSSL

extension SiemAgent {
    struct Syslog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Receive syslog over UDP and TCP on one port and forward each message raw to siemd.",
            discussion: """
                TCP accepts RFC 6587 octet counting and newline framing (detected per connection); \
                with --tls-cert and --tls-key TCP is TLS (RFC 5425). Each message is sent as the \
                event's `message` with the sender in `fields.peer`; siemd parses it. When the buffer \
                is full, UDP drops the newest messages (counted) and TCP stops reading. \
                SIEM_API_KEY, when set, is sent as x-api-key.
                """)

        @Option(help: "Address to listen on.") var bind: String = "0.0.0.0"
        @Option(help: "UDP and TCP port (0 picks a free one, logged as syslog.port).") var port: Int = 5140
        @Option(help: "The events' `source`.") var source: String = "syslog"
        @Option(help: "PEM certificate chain: TCP becomes TLS.") var tlsCert: String?
        @Option(help: "PEM private key for --tls-cert.") var tlsKey: String?
        @Option(help: "Longer messages are cut and flagged `fields.truncated`.") var maxMessageBytes: Int = 64 << 10
        @Option(help: "Messages buffered while siemd is slow or away.") var bufferMessages: Int = 50_000
        @Option(help: "Bytes buffered while siemd is slow or away.") var bufferBytes: Int = 64 << 20
        @Option(help: "Where events siemd rejects are written.")
        var deadLetter: String = "data/syslog-dead-letter.ndjson"
        @OptionGroup var shipping: ShippingOptions

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
            guard (tlsCert == nil) == (tlsKey == nil) else {
                throw ValidationError("--tls-cert and --tls-key go together")
            }
            guard maxMessageBytes >= 480, bufferMessages >= 1, bufferBytes >= maxMessageBytes else {
                throw ValidationError("--max-message-bytes must be at least 480 and fit in --buffer-bytes")
            }
        }

        func run() async throws {
            let logger = AgentLogging.makeLogger(label: "siem-agent.syslog")
            let shutdown = ShutdownSignal(drainTimeout: .milliseconds(Int(shipping.drainTimeout * 1000)))
            let counters = Counters()
            let queue = MessageQueue(maxMessages: bufferMessages, maxBytes: bufferBytes)
            var tls: NIOSSLContext?
            if let tlsCert, let tlsKey {
                do {
                    let chain = try NIOSSLCertificate.fromPEMFile(tlsCert).map {
                        NIOSSLCertificateSource.certificate($0)
                    }
                    let key = try NIOSSLPrivateKey(file: tlsKey, format: .pem)
                    tls = try NIOSSLContext(
                        configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
                } catch {
                    throw ValidationError("cannot load --tls-cert/--tls-key: \(error)")
                }
            }
            let listener = SyslogListener(
                host: bind, port: port, maxMessageBytes: maxMessageBytes, tls: tls, queue: queue, counters: counters,
                shutdown: shutdown, logger: logger)
            let shipper = Shipper(
                configuration: shipping.shipperConfiguration(deadLetterPath: deadLetter), counters: counters,
                shutdown: shutdown, logger: logger)
            let forwarder = SyslogForwarder(
                queue: queue,
                shipper: shipper,
                encoder: EventEncoder(source: source, host: nil, maxEventBytes: shipping.batchLimits.maxEventBytes),
                limits: shipping.batchLimits, shutdown: shutdown, logger: logger)
            let statsInterval = Duration.milliseconds(Int(shipping.statsInterval * 1000))
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await listener.run { _ in } }
                    group.addTask { await forwarder.run() }
                    group.addTask {
                        await counters.logPeriodically(every: statsInterval, logger: logger, until: shutdown)
                    }
                    do {
                        try await group.waitForAll()
                    } catch {
                        shutdown.request()
                        throw error
                    }
                }
            } catch {
                await shipper.close()
                counters.log(logger, "stopped")
                throw ValidationError("syslog listener failed: \(error)")
            }
            await shipper.close()
            counters.log(logger, "stopped")
        }
    }
}
