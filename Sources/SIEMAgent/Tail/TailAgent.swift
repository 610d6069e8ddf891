import Logging

/// `siem-agent tail`: follows files and ships every line to siemd, at least once.
public struct TailAgent: Sendable {
    let configuration: TailConfiguration
    let logger: Logger

    public init(configuration: TailConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Tails until SIGTERM or SIGINT, then drains and saves positions.
    public func run() async throws(AgentError) {
        let configuration = self.configuration
        let logger = self.logger
        let shipping = configuration.shipping
        let shutdown = ShutdownSignal(drainTimeout: shipping.drainTimeout)
        let counters = Counters()
        let limits = shipping.batchLimits
        let shipper = Shipper(
            configuration: shipping.shipperConfiguration(deadLetterPath: configuration.deadLetterPath),
            counters: counters, shutdown: shutdown, logger: logger)
        let encoder = EventEncoder(
            source: configuration.source, host: configuration.host, maxEventBytes: limits.maxEventBytes)
        let tailer: Tailer
        do {
            tailer = try Tailer(
                configuration: Tailer.Configuration(
                    patterns: configuration.files, logType: configuration.logType, fromEnd: configuration.fromEnd,
                    statePath: configuration.statePath, maxLineBytes: configuration.maxLineBytes,
                    partialLineTimeout: configuration.partialLineTimeout, limits: limits),
                encoder: encoder, shipper: shipper, counters: counters, shutdown: shutdown, logger: logger)
        } catch {
            await shipper.close()
            throw .stateUnreadable(path: configuration.statePath, underlying: error)
        }
        logger.info(
            "tailing",
            metadata: [
                "files": "\(configuration.files)", "state.path": "\(configuration.statePath)",
                "endpoint": "\(shipping.endpoint)",
            ])
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await counters.logPeriodically(every: shipping.statsInterval, logger: logger, until: shutdown)
            }
            await tailer.run()
            shutdown.request()
        }
        await shipper.close()
        counters.log(logger, "stopped")
    }
}
