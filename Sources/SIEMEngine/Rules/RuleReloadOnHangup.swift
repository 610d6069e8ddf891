import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the rules on `SIGHUP`, as daemons do, and logs what changed. siemd runs it; tests and
/// tools that embed the engine do not (a library should not take a process's signals by default).
public struct RuleReloadOnHangup: Service {
    let rules: RuleService
    let logger: Logger

    public init(rules: RuleService, logger: Logger) {
        self.rules = rules
        self.logger = logger
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            let report = await rules.reloadInBackground()
            logger.notice(
                "rules reloaded on SIGHUP",
                metadata: [
                    "rules.loaded": "\(report.loaded)", "rules.skipped": "\(report.skipped)",
                    "rules.added": "\(report.added.count)", "rules.removed": "\(report.removed.count)",
                    "rules.changed": "\(report.changed.count)",
                    "rules.failed_files": "\(report.failedFiles.map { "\($0.path): \($0.reason)" })",
                ])
        }
    }
}
