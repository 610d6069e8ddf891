import ArgumentParser
import SIEMAgent

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

        @Option(help: "Address to listen on (0.0.0.0 or :: for every interface).") var bind: String = "127.0.0.1"
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
            let logger = SiemAgent.makeLogger(label: "siem-agent.syslog")
            let configuration = SyslogConfiguration(
                bind: bind, port: port, source: source, tlsCertificatePath: tlsCert, tlsKeyPath: tlsKey,
                maxMessageBytes: maxMessageBytes, bufferMessages: bufferMessages, bufferBytes: bufferBytes,
                deadLetterPath: deadLetter, shipping: shipping.configuration)
            do {
                try await SyslogAgent(configuration: configuration, logger: logger).run()
            } catch .tlsUnreadable(let error) {
                throw ValidationError("cannot load --tls-cert/--tls-key: \(error)")
            } catch {
                throw ValidationError(error.description)
            }
        }
    }
}
