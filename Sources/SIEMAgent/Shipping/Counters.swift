import Logging
import NIOConcurrencyHelpers

/// What an agent counts and logs periodically and at exit; safe to bump from any thread.
final class Counters: Sendable {
    struct Values: Sendable, Equatable {
        var received = 0
        /// Events siemd stored.
        var sent = 0
        /// Events siemd acknowledged without storing them again: lines of a stream it already had.
        var duplicates = 0
        var dropped = 0
        var retries = 0
        var deadLettered = 0
        var truncated = 0
    }

    private let box = NIOLockedValueBox(Values())

    func add(_ change: (inout Values) -> Void) {
        box.withLockedValue { change(&$0) }
    }

    var values: Values { box.withLockedValue { $0 } }

    func log(_ logger: Logger, _ message: Logger.Message) {
        let values = values
        logger.info(
            message,
            metadata: [
                "counters.received": "\(values.received)", "counters.sent": "\(values.sent)",
                "counters.duplicates": "\(values.duplicates)",
                "counters.dropped": "\(values.dropped)", "counters.retries": "\(values.retries)",
                "counters.dead_lettered": "\(values.deadLettered)", "counters.truncated": "\(values.truncated)",
            ])
    }

    /// Logs the counters every `interval` until `shutdown` is requested.
    func logPeriodically(every interval: Duration, logger: Logger, until shutdown: ShutdownSignal) async {
        while !shutdown.isRequested {
            await shutdown.sleep(interval)
            if !shutdown.isRequested { log(logger, "counters") }
        }
    }
}
