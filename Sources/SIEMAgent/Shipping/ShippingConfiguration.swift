/// Where `tail` and `syslog` send and how they batch and retry.
public struct ShippingConfiguration: Sendable {
    /// siemd's ingest URL.
    var endpoint: String
    /// Sent as `x-api-key` when set.
    var apiKey: String?
    /// Most bytes in one request body.
    var maxBatchBytes: Int
    /// Most events in one request.
    var maxBatchEvents: Int
    /// How long a started batch may wait for more events before it is sent.
    var batchWait: Duration
    /// Longest pause between retries.
    var maxRetryDelay: Duration
    /// How long in-flight events are still delivered after SIGTERM or SIGINT.
    var drainTimeout: Duration
    /// Time between counter log lines.
    var statsInterval: Duration

    public init(
        endpoint: String, apiKey: String?, maxBatchBytes: Int, maxBatchEvents: Int, batchWait: Duration,
        maxRetryDelay: Duration, drainTimeout: Duration, statsInterval: Duration
    ) {
        self.endpoint = endpoint
        self.apiKey = apiKey
        self.maxBatchBytes = maxBatchBytes
        self.maxBatchEvents = maxBatchEvents
        self.batchWait = batchWait
        self.maxRetryDelay = maxRetryDelay
        self.drainTimeout = drainTimeout
        self.statsInterval = statsInterval
    }

    func shipperConfiguration(deadLetterPath: String) -> Shipper.Configuration {
        Shipper.Configuration(
            endpoint: endpoint, apiKey: apiKey, deadLetterPath: deadLetterPath, maxRetryDelay: maxRetryDelay)
    }

    var batchLimits: BatchLimits {
        BatchLimits(bytes: maxBatchBytes, events: maxBatchEvents, wait: batchWait)
    }
}
