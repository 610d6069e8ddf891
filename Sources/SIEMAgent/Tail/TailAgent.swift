import Logging

/// `siem-agent tail`: follows files and ships every line to siemd, exactly once.
public struct TailAgent: Sendable {
    let configuration: TailConfiguration
    let logger: Logger

    /// How a run ended.
    public struct Outcome: Sendable, Equatable {
        /// Every line read was acknowledged (stored or already stored) or dead-lettered and, with
        /// `once`, every file was read to its end; false after a drain timeout or an interrupted `once`.
        public var complete: Bool
        /// Lines siemd refused, written to the dead-letter file.
        public var deadLettered: Int
        /// Lines siemd stored, and lines it had already stored (sent again after a crash or a lost answer).
        public var stored: Int
        public var duplicates: Int
    }

    public init(configuration: TailConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Tails until SIGTERM or SIGINT (with `once`, until every file was read to its end), then
    /// drains and saves positions.
    public func run() async throws(AgentError) -> Outcome {
        let configuration = self.configuration
        let logger = self.logger
        let shipping = configuration.shipping
        let shutdown = ShutdownSignal(drainTimeout: shipping.drainTimeout)
        let counters = Counters()
        let limits = shipping.batchLimits
        let shipper = Shipper(
            configuration: shipping.shipperConfiguration(deadLetterPath: configuration.deadLetterPath),
            counters: counters, shutdown: shutdown, logger: logger)
        let encoder = LineEncoder(
            format: configuration.format,
            events: EventEncoder(
                source: configuration.source, host: configuration.host, maxEventBytes: limits.maxEventBytes),
            logType: configuration.logType)
        let tailer: Tailer
        do {
            tailer = try Tailer(
                configuration: Tailer.Configuration(
                    patterns: configuration.files, fromEnd: configuration.fromEnd, once: configuration.once,
                    statePath: configuration.statePath,
                    maxLineBytes: configuration.maxLineBytes, partialLineTimeout: configuration.partialLineTimeout,
                    limits: limits),
                encoder: encoder, shipper: shipper, counters: counters, shutdown: shutdown, logger: logger)
        } catch {
            await shipper.close()
            throw .stateUnreadable(path: configuration.statePath, underlying: error)
        }
        logger.info(
            configuration.once ? "shipping files to their end" : "tailing",
            metadata: [
                "files": "\(configuration.files)", "state.path": "\(configuration.statePath)",
                "endpoint": "\(shipping.endpoint)", "format": "\(configuration.format.rawValue)",
            ])
        let complete = await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await counters.logPeriodically(every: shipping.statsInterval, logger: logger, until: shutdown)
            }
            let complete = await tailer.run()
            shutdown.request()
            return complete
        }
        await shipper.close()
        counters.log(logger, "stopped")
        let values = counters.values
        return Outcome(
            complete: complete, deadLettered: values.deadLettered, stored: values.sent, duplicates: values.duplicates)
    }
}
