import Foundation
import Hummingbird
import Logging
import NIOCore
import SIEMCore
import SIEMRules
import SIEMStore
import ServiceLifecycle

/// The version siemd reports.
public let siemVersion = "0.1.0"

/// Builds siemd's HTTP application from parts; tests build it with their own store and rules.
public enum SIEMServer {
    /// Opens the store and loads the rules named by `configuration`, then builds the application.
    public static func makeApplication(
        configuration: ServerConfiguration,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let rules = try RuleLoader.load(path: configuration.rulesPath)
        let store = try SQLiteEventStore(path: configuration.databasePath, sync: configuration.sync)
        logger.info(
            "siemd starting",
            metadata: [
                "db.path": "\(configuration.databasePath)", "rules.path": "\(configuration.rulesPath)",
                "rules.count": "\(rules.rules.count)", "db.sync": "\(configuration.sync.rawValue)",
                "mdr.webhook": "\(configuration.mdr.webhookURL == nil ? "off" : "on")",
                "mdr.webhook.signed": "\(configuration.mdr.webhookSecret != nil)",
                "mdr.auto_create":
                    "\(configuration.mdr.autoCreateIncidents ? configuration.mdr.autoCreateMinSeverity.rawValue : "off")",
            ])
        return makeApplication(
            configuration: configuration, store: store, rules: rules, logger: logger, onServerRunning: onServerRunning)
    }

    /// Builds the application around an opened store; the store is closed after the server stops.
    public static func makeApplication(
        configuration: ServerConfiguration,
        store: any EventStore,
        rules: RuleSet,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let webhooks = WebhookSender.Configuration(configuration.mdr).map {
            WebhookSender(configuration: $0, logger: logger)
        }
        return makeApplication(
            configuration: configuration, store: store, rules: rules, webhooks: webhooks, logger: logger,
            onServerRunning: onServerRunning)
    }

    /// Builds the application with a given webhook sender (tests read its counters).
    static func makeApplication(
        configuration: ServerConfiguration,
        store: any EventStore,
        rules: RuleSet,
        webhooks: WebhookSender?,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        logProtections(configuration, logger: logger)
        let automation = MDRAutomation(
            incidents: store as? any IncidentStore, webhooks: webhooks,
            autoCreateMinimum: configuration.mdr.autoCreateIncidents ? configuration.mdr.autoCreateMinSeverity : nil,
            window: configuration.mdr.autoCreateWindow, logger: logger)
        var pipeline = Pipeline(
            store: store,
            analyzer: EventAnalyzer(normalizer: NormalizerSet(timeZone: configuration.logTimeZone), rules: rules),
            threatIntel: (store as? any IOCStore).map { ThreatIntel(store: $0) },
            onCommit: { await automation.committed($0) })
        pipeline.metrics = SIEMMetrics()
        let router = makeRouter(configuration: configuration, pipeline: pipeline, automation: automation)
        var services: [any Service] = [StoreService(store: store, logger: logger)]
        if let webhooks { services.append(webhooks) }
        return Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "siemd/\(siemVersion)"
            ),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.info(
                    "siemd listening", metadata: ["http.host": "\(configuration.host)", "http.port": "\(port)"])
                await onServerRunning(port)
            },
            logger: logger
        )
    }

    public static func makeRouter(
        configuration: ServerConfiguration, pipeline: Pipeline, automation: MDRAutomation? = nil
    ) -> Router<SIEMRequestContext> {
        let router = Router(context: SIEMRequestContext.self)
        let security = configuration.security
        router.middlewares.add(SecurityHeadersMiddleware())
        router.middlewares.add(ErrorMiddleware())
        // Cheapest refusals first: a wrong Host or a flooding client costs no hashing or body.
        if let hosts = security.trustedHosts { router.middlewares.add(TrustedHostMiddleware(hosts: hosts)) }
        if let rateLimit = security.rateLimit { router.middlewares.add(RateLimitMiddleware(rateLimit)) }
        if security.authEnabled { router.middlewares.add(AuthMiddleware(security)) }
        router.middlewares.add(BodyLimitMiddleware(limit: configuration.maxBodyBytes))
        EventRoutes(
            pipeline: pipeline,
            decoder: EventDecoder(maxEvents: configuration.maxEventsPerRequest),
            maxBodyBytes: configuration.maxBodyBytes
        ).register(on: router)
        AlertRoutes(store: pipeline.store).register(on: router)
        MetricsRoutes(metrics: pipeline.metrics ?? SIEMMetrics(), store: pipeline.store, webhooks: automation?.webhooks)
            .register(on: router)
        HealthRoutes(store: pipeline.store, version: siemVersion, ruleCount: pipeline.analyzer.rules.rules.count)
            .register(on: router)
        if let edr = pipeline.store as? any EDRStore {
            EDRRoutes(pipeline: pipeline, store: edr, configuration: configuration).register(on: router)
        }
        let automation =
            automation
            ?? MDRAutomation(
                incidents: pipeline.store as? any IncidentStore, webhooks: nil, autoCreateMinimum: nil,
                logger: Logger(label: "siemd"))
        if let threatIntel = pipeline.threatIntel {
            TIRoutes(
                threatIntel: threatIntel, events: pipeline.store, automation: automation,
                maxBodyBytes: configuration.maxBodyBytes
            ).register(on: router)
        }
        if let incidents = pipeline.store as? any IncidentStore {
            IncidentRoutes(
                incidents: incidents, events: pipeline.store, automation: automation,
                maxBodyBytes: configuration.maxBodyBytes
            ).register(on: router)
        }
        HistogramRoutes(store: pipeline.store).register(on: router)
        DashboardRoutes().register(on: router)
        APIDocsRoutes().register(on: router)
        return router
    }
}

/// Keeps the store open while the server runs and closes it (committing queued writes) after the
/// server has finished its in-flight requests: services stop in reverse order, the server first.
struct StoreService: Service {
    let store: any EventStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await store.close()
        logger.info("store closed; all acknowledged events are committed")
    }
}
