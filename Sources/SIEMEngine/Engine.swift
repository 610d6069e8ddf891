import Foundation
import Logging
import SIEMCore
import SIEMRules
import SIEMStore
import ServiceLifecycle

/// siemd without HTTP: the stores, the ingest pipeline and the services around it, wired once.
/// An HTTP application (or a test, or a tool) builds one and runs `services` beside itself.
public struct Engine: Sendable {
    /// What the engine needs from siemd's configuration.
    public struct Configuration: Sendable {
        /// Zone of log times written without one.
        public var logTimeZone = TimeZone(identifier: "UTC")!
        public var mdr = MDRConfiguration()
        public var edr = EDRService.Configuration()
        /// The most commits with alerts waiting for their webhooks and incidents.
        public var postCommitCapacity = 4096
        /// Threat-intel feeds (`SIEM_TI_*`).
        public var threatIntelFeeds = ThreatIntelFeeds.Configuration()
        /// Reload the rules on `SIGHUP` (siemd sets it; embedders leave the process's signals alone).
        public var reloadRulesOnHangup = false
        /// The cap on open threshold and correlation groups (`SIEM_CORRELATION_MAX_GROUPS`).
        public var correlationMaxGroups = 100_000
        /// How long repeats of a `ti_*` alert (same IOC, same host) fold into the first
        /// (`SIEM_TI_SUPPRESS`; nil raises every match).
        public var threatIntelSuppression: TimeInterval? = 3600

        public init() {}
    }

    public let stores: Stores
    public let pipeline: Pipeline
    public let iocs: IOCSnapshot
    public let threatIntel: ThreatIntelService
    public let feeds: ThreatIntelFeeds
    public let edr: EDRService
    public let incidents: IncidentService
    public let automation: MDRAutomation
    public let postCommit: PostCommitQueue
    public let webhooks: WebhookSender?
    public let metrics: SIEMMetrics
    /// The long-running parts, in start order (they stop in reverse): the store closes last.
    public let services: [any Service]

    /// Wires the services over `stores`; webhooks are sent when `configuration.mdr` names a URL
    /// (or through `webhooks` when given, so tests can read its counters).
    public init(
        configuration: Configuration, stores: Stores, rules: RuleSet, webhooks: WebhookSender? = nil,
        logger: Logger, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.init(
            configuration: configuration, stores: stores, ruleService: RuleService(rules: rules), webhooks: webhooks,
            logger: logger, now: now)
    }

    /// Wires the services over `stores`, with reloadable rules.
    public init(
        configuration: Configuration, stores: Stores, ruleService: RuleService, webhooks: WebhookSender? = nil,
        logger: Logger, now: @escaping @Sendable () -> Date = Date.init
    ) {
        let webhooks =
            webhooks
            ?? WebhookSender.Configuration(configuration.mdr).map { WebhookSender(configuration: $0, logger: logger) }
        let automation = MDRAutomation(
            incidents: stores.incidents, webhooks: webhooks,
            autoCreateMinimum: configuration.mdr.autoCreateIncidents ? configuration.mdr.autoCreateMinSeverity : nil,
            window: configuration.mdr.autoCreateWindow, logger: logger)
        let postCommit = PostCommitQueue(
            automation: automation, capacity: configuration.postCommitCapacity, logger: logger)
        let iocs = IOCSnapshot(store: stores.iocs)
        let metrics = SIEMMetrics()
        var pipeline = Pipeline(
            store: stores.events,
            analyzer: EventAnalyzer(
                normalizer: NormalizerSet(timeZone: configuration.logTimeZone), rules: ruleService.current),
            rules: ruleService, iocs: iocs,
            correlationLimits: CorrelationLimits(maxGroups: configuration.correlationMaxGroups),
            onCommit: { postCommit.enqueue($0) })
        pipeline.metrics = metrics
        pipeline.threatIntelSuppression = configuration.threatIntelSuppression
        self.stores = stores
        self.pipeline = pipeline
        self.iocs = iocs
        self.threatIntel = ThreatIntelService(
            snapshot: iocs, events: stores.events, postCommit: postCommit,
            reader: FeedReader(fetcher: FeedFetcher(configuration: configuration.threatIntelFeeds.fetch)))
        self.feeds = ThreatIntelFeeds(
            configuration: configuration.threatIntelFeeds, snapshot: iocs, audit: stores.audit, logger: logger)
        self.edr = EDRService(store: stores.edr, pipeline: pipeline, configuration: configuration.edr, now: now)
        self.incidents = IncidentService(incidents: stores.incidents, events: stores.events, automation: automation)
        self.automation = automation
        self.postCommit = postCommit
        self.webhooks = webhooks
        self.metrics = metrics
        var services: [any Service] = [StoreCloser(stores: stores, logger: logger)]
        if let webhooks { services.append(webhooks) }
        services.append(postCommit)
        services.append(feeds)
        if configuration.reloadRulesOnHangup { services.append(RuleReloadOnHangup(rules: ruleService, logger: logger)) }
        self.services = services
    }

    /// The number of rules the pipeline evaluates.
    public var ruleCount: Int { pipeline.rules.current.rules.count }

    /// The rules in force, their statistics and reload.
    public var rules: RuleService { pipeline.rules }

    /// What `/metrics` shows, with the gauges read now.
    public func renderMetrics() async -> String {
        await metrics.render(
            store: stores.events, webhooks: webhooks?.statistics, correlation: pipeline.detector.statistics)
    }
}

/// Keeps the stores open while the server runs and closes them (committing queued writes) after
/// everything started later has stopped: services stop in reverse order, the server first.
struct StoreCloser: Service {
    let stores: Stores
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await stores.close()
        logger.info("store closed; all acknowledged events are committed")
    }
}
