import Logging
import NIOSSL

/// `siem-agent syslog`: receives syslog over UDP and TCP on one port and forwards each message raw
/// to siemd.
public struct SyslogAgent: Sendable {
    let configuration: SyslogConfiguration
    let logger: Logger

    public init(configuration: SyslogConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Listens and forwards until SIGTERM or SIGINT, then drains.
    public func run() async throws(AgentError) {
        let configuration = self.configuration
        let logger = self.logger
        let shipping = configuration.shipping
        let shutdown = ShutdownSignal(drainTimeout: shipping.drainTimeout)
        let counters = Counters()
        let queue = MessageQueue(maxMessages: configuration.bufferMessages, maxBytes: configuration.bufferBytes)
        var tls: NIOSSLContext?
        if let certificate = configuration.tlsCertificatePath, let key = configuration.tlsKeyPath {
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(certificate).map {
                    NIOSSLCertificateSource.certificate($0)
                }
                let key = try NIOSSLPrivateKey(file: key, format: .pem)
                tls = try NIOSSLContext(
                    configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
            } catch {
                throw .tlsUnreadable(underlying: error)
            }
        }
        let listener = SyslogListener(
            host: configuration.bind, port: configuration.port, maxMessageBytes: configuration.maxMessageBytes,
            tls: tls, queue: queue, counters: counters, shutdown: shutdown, logger: logger)
        let shipper = Shipper(
            configuration: shipping.shipperConfiguration(deadLetterPath: configuration.deadLetterPath),
            counters: counters, shutdown: shutdown, logger: logger)
        let forwarder = SyslogForwarder(
            queue: queue,
            shipper: shipper,
            encoder: EventEncoder(
                source: configuration.source, host: nil, maxEventBytes: shipping.batchLimits.maxEventBytes),
            limits: shipping.batchLimits, shutdown: shutdown, logger: logger)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await listener.run { _ in } }
                group.addTask { await forwarder.run() }
                group.addTask {
                    await counters.logPeriodically(every: shipping.statsInterval, logger: logger, until: shutdown)
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
            throw .listenerFailed(underlying: error)
        }
        await shipper.close()
        counters.log(logger, "stopped")
    }
}
