import ArgumentParser
import Foundation
import SIEMAgent

/// Options shared by `tail` and `syslog`: where to send and how to batch and retry.
struct ShippingOptions: ParsableArguments {
    @Option(help: "siemd ingest URL.") var endpoint: String = "http://127.0.0.1:8000/ingest"
    @Option(help: "Most bytes in one request body (keep below siemd's SIEM_MAX_BODY_BYTES).")
    var maxBatchBytes: Int = 768 * 1024
    @Option(help: "Most events in one request.") var maxBatchEvents: Int = 5000
    @Option(help: "Seconds a started batch may wait for more events before it is sent.")
    var batchWait: Double = 1
    @Option(help: "Longest pause between retries, in seconds.") var maxRetryDelay: Double = 30
    @Option(help: "Seconds to keep delivering in-flight events after SIGTERM or SIGINT.")
    var drainTimeout: Double = 10
    @Option(help: "Seconds between counter log lines.") var statsInterval: Double = 60

    func validate() throws {
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(),
            ["http", "https"].contains(scheme)
        else { throw ValidationError("--endpoint must be an http:// or https:// URL") }
        guard maxBatchBytes >= 4096 else { throw ValidationError("--max-batch-bytes must be at least 4096") }
        guard maxBatchEvents >= 1 else { throw ValidationError("--max-batch-events must be at least 1") }
        guard batchWait > 0, maxRetryDelay > 0, drainTimeout >= 0, statsInterval > 0 else {
            throw ValidationError("--batch-wait, --max-retry-delay and --stats-interval must be positive")
        }
    }

    /// The options, with `SIEM_API_KEY` from the environment.
    var configuration: ShippingConfiguration {
        ShippingConfiguration(
            endpoint: endpoint, apiKey: SiemAgent.apiKey, maxBatchBytes: maxBatchBytes,
            maxBatchEvents: maxBatchEvents, batchWait: .milliseconds(Int(batchWait * 1000)),
            maxRetryDelay: .milliseconds(Int(maxRetryDelay * 1000)),
            drainTimeout: .milliseconds(Int(drainTimeout * 1000)),
            statsInterval: .milliseconds(Int(statsInterval * 1000)))
    }
}
