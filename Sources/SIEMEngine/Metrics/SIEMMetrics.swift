import Foundation
import Prometheus
import SIEMCore
import SIEMStore

/// siemd's Prometheus metrics, served at `GET /metrics`.
///
/// Each application owns its registry (no global bootstrap, so tests and embedders can run several
/// side by side). Counters move on the ingest path; gauges are read from their sources when scraped.
public final class SIEMMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let ingestCalls: Counter
    let eventsIngested: Counter
    let alertsRaised: [Severity: Counter]
    let ingestFailures: Counter
    /// Lines a shipper sent again that were already stored (`StreamPosition`), dropped at commit.
    let duplicatesDropped: Counter
    let ingestDuration: DurationHistogram
    private let eventsStored: Gauge
    private let alertsStored: Gauge
    private let webhookGauges: [String: Gauge]
    private let webhookQueuedBytes: Gauge
    private let correlationGauges: [String: Gauge]
    private let indexGauges: [String: Gauge]

    public init() {
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "siem", metricName: metric, unitName: unit, helpText: help)
        }
        ingestCalls = registry.makeCounter(
            descriptor: name("ingest_batches", "total", "Pipeline ingest calls (HTTP /ingest, EDR telemetry, tools)."))
        eventsIngested = registry.makeCounter(
            descriptor: name("events_ingested", "total", "Events committed through the ingest pipeline."))
        ingestFailures = registry.makeCounter(
            descriptor: name(
                "ingest_failures", "total", "Ingest calls whose commit failed (none of their events stored)."))
        duplicatesDropped = registry.makeCounter(
            descriptor: name(
                "ingest_duplicates_dropped", "total",
                "Events a shipper sent again after they were stored (same stream position), not stored twice."))
        let alertsName = name("alerts_raised", "total", "Alerts committed, by severity.")
        var alerts: [Severity: Counter] = [:]
        for severity in Severity.allCases {
            alerts[severity] = registry.makeCounter(descriptor: alertsName, labels: [("severity", severity.rawValue)])
        }
        alertsRaised = alerts
        ingestDuration = registry.makeDurationHistogram(
            descriptor: name("ingest_duration", "seconds", "Time from analysis to commit for one ingest call."),
            buckets: [
                .microseconds(250), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
                .seconds(1),
            ])
        eventsStored = registry.makeGauge(descriptor: name("events_stored", "", "Events in the store."))
        alertsStored = registry.makeGauge(descriptor: name("alerts_stored", "", "Alerts in the store."))
        let webhookName = name("webhook_deliveries", "", "MDR webhook deliveries since start, by outcome.")
        var webhooks: [String: Gauge] = [:]
        for outcome in ["enqueued", "delivered", "failed", "dropped", "attempts"] {
            webhooks[outcome] = registry.makeGauge(descriptor: webhookName, labels: [("outcome", outcome)])
        }
        webhookGauges = webhooks
        correlationGauges = [
            "open": registry.makeGauge(
                descriptor: name("correlation_groups_open", "", "Open groups of threshold and correlation rules.")),
            "dropped": registry.makeGauge(
                descriptor: name(
                    "correlation_groups_dropped", "total",
                    "Groups dropped since start because the cap on open groups (SIEM_CORRELATION_MAX_GROUPS) was hit.")),
            "expired": registry.makeGauge(
                descriptor: name(
                    "correlation_groups_expired", "total", "Groups removed since start after a whole timespan of quiet."
                )),
            "late": registry.makeGauge(
                descriptor: name(
                    "correlation_late_events", "total",
                    "Events not counted by a correlation because they arrived more than its timespan late.")),
        ]
        indexGauges = [
            "lag": registry.makeGauge(
                descriptor: name(
                    "index_lag", "seconds",
                    "Age of the oldest committed event that searches do not see yet (0 when indexing is inline).")),
            "pending": registry.makeGauge(
                descriptor: name("index_pending_events", "", "Committed events not yet in the search indexes.")),
            "indexed": registry.makeGauge(
                descriptor: name(
                    "index_indexed_events", "total", "Events the background indexer made searchable since start.")),
            "p99": registry.makeGauge(
                descriptor: name(
                    "index_lag_p99", "seconds",
                    "99th percentile of the time from commit to searchable since start (background indexing).")),
        ]
        webhookQueuedBytes = registry.makeGauge(
            descriptor: name(
                "webhook_queued", "bytes", "Bytes of MDR webhook data queued now, the delivery in flight included."))
    }

    /// Records one committed ingest call.
    func committed(_ stored: [EventWrite], duration: Duration) {
        ingestCalls.increment()
        eventsIngested.increment(by: Int64(stored.count))
        for write in stored {
            for alert in write.alerts { alertsRaised[alert.severity]?.increment() }
        }
        ingestDuration.record(duration)
    }

    /// The Prometheus text exposition, with gauges refreshed from the store and the webhook sender.
    public func render(
        store: any EventStore, webhooks: WebhookSender.Counts?, correlation: CorrelationDetector.Statistics? = nil
    ) async -> String {
        if let correlation {
            correlationGauges["open"]?.set(to: Double(correlation.openGroups))
            correlationGauges["dropped"]?.set(to: Double(correlation.droppedGroups))
            correlationGauges["expired"]?.set(to: Double(correlation.expiredGroups))
            correlationGauges["late"]?.set(to: Double(correlation.lateEvents))
        }
        let index = await store.indexStatus()
        indexGauges["lag"]?.set(to: index.lag / .seconds(1))
        indexGauges["pending"]?.set(to: Double(index.pending))
        indexGauges["indexed"]?.set(to: Double(index.indexedEvents))
        indexGauges["p99"]?.set(to: index.lagP99 / .seconds(1))
        if let counts = try? await store.counts() {
            eventsStored.set(to: Double(counts.events))
            alertsStored.set(to: Double(counts.alerts))
        }
        if let webhooks {
            webhookGauges["enqueued"]?.set(to: Double(webhooks.enqueued))
            webhookGauges["delivered"]?.set(to: Double(webhooks.delivered))
            webhookGauges["failed"]?.set(to: Double(webhooks.failed))
            webhookGauges["dropped"]?.set(to: Double(webhooks.dropped))
            webhookGauges["attempts"]?.set(to: Double(webhooks.attempts))
            webhookQueuedBytes.set(to: Double(webhooks.queuedBytes))
        }
        return registry.emitToString()
    }
}
