import Foundation
import SIEMCore

/// `MDR_*`: where webhooks go and how, and whether alerts open incidents by themselves.
public struct MDRConfiguration: Sendable {
    /// `MDR_WEBHOOK_URL`: http(s) URL that receives `alert.created`, `incident.created`, `incident.updated`.
    public var webhookURL: String?
    /// `MDR_WEBHOOK_SECRET`: HMAC-SHA256 key for `x-siem-signature`. Never logged.
    public var webhookSecret: String?
    /// `MDR_WEBHOOK_TIMEOUT`: seconds per delivery attempt.
    public var webhookTimeout: Double = 1.5
    /// `MDR_WEBHOOK_QUEUE_SIZE`: deliveries waiting at most; beyond it new ones are dropped (counted, logged).
    public var webhookQueueSize: Int = 10_000
    /// `MDR_WEBHOOK_QUEUE_BYTES`: bytes of delivery data waiting at most (the delivery in flight included);
    /// beyond it new ones are dropped (counted, logged).
    public var webhookQueueBytes: Int = 64 << 20
    /// `MDR_WEBHOOK_MAX_ATTEMPTS`: attempts per delivery, the first included.
    public var webhookMaxAttempts: Int = 4
    /// `MDR_WEBHOOK_RETRY_DELAY`: seconds before the first retry; doubles each retry.
    public var webhookRetryDelay: Double = 0.5
    /// `MDR_AUTO_CREATE_INCIDENTS`: open incidents for new alerts at or above `autoCreateMinSeverity`.
    public var autoCreateIncidents = false
    /// `MDR_AUTO_CREATE_MIN_SEVERITY`.
    public var autoCreateMinSeverity: Severity = .medium
    /// Alerts of the same rule and key join an active incident whose last alert is this recent.
    public var autoCreateWindow: TimeInterval = 3600

    public init() {}
}
