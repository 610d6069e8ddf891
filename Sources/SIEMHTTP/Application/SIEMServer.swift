import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SIEMCore
import SIEMEngine
import SIEMRules
import SIEMStore
import ServiceLifecycle

/// Builds siemd's HTTP application from parts; tests build it with their own stores and rules.
public enum SIEMServer {
    /// Opens the stores and loads the rules named by `configuration` (reloadable by
    /// `POST /rules/reload`), then builds the application.
    public static func makeApplication(
        configuration: ServerConfiguration,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        try refuseInsecureBind(configuration)
        let rules = try RuleService(source: configuration.ruleSource)
        let stores = try Stores.sqlite(
            path: configuration.databasePath, sync: configuration.sync, indexMode: configuration.indexMode)
        let loaded = rules.current
        for skipped in loaded.skipped {
            logger.warning(
                "rule skipped",
                metadata: [
                    "rule.file": "\(skipped.file)", "rule.id": "\(skipped.ruleID ?? "-")",
                    "reason": "\(skipped.reason)",
                ])
        }
        logger.info(
            "siemd starting",
            metadata: [
                "db.path": "\(configuration.databasePath)", "rules.path": "\(configuration.rulesPath)",
                "rules.count": "\(loaded.rules.count)", "rules.skipped": "\(loaded.skipped.count)",
                "db.sync": "\(configuration.sync.rawValue)", "index.mode": "\(configuration.indexMode.description)",
                "mdr.webhook": "\(configuration.mdr.webhookURL == nil ? "off" : "on")",
                "mdr.webhook.signed": "\(configuration.mdr.webhookSecret != nil)",
                "mdr.auto_create":
                    "\(configuration.mdr.autoCreateIncidents ? configuration.mdr.autoCreateMinSeverity.rawValue : "off")",
            ])
        let engine = Engine(configuration: configuration.engine, stores: stores, ruleService: rules, logger: logger)
        return makeApplication(
            configuration: configuration, engine: engine, logger: logger, onServerRunning: onServerRunning)
    }

    /// Builds the application around opened stores; they are closed after the server stops.
    public static func makeApplication(
        configuration: ServerConfiguration,
        stores: Stores,
        rules: RuleSet,
        webhooks: WebhookSender? = nil,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let engine = Engine(
            configuration: configuration.engine, stores: stores, rules: rules, webhooks: webhooks, logger: logger)
        return makeApplication(
            configuration: configuration, engine: engine, logger: logger, onServerRunning: onServerRunning)
    }

    /// Builds the HTTP face of `engine`; the engine's services run beside the server.
    public static func makeApplication(
        configuration: ServerConfiguration,
        engine: Engine,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        logProtections(configuration, logger: logger)
        return Application(
            router: makeRouter(configuration: configuration, engine: engine),
            server: HTTPServerBuilder { responder in
                GuardedHTTP1Channel(
                    responder: responder,
                    idleTimeout: .nanoseconds(Int64(configuration.idleTimeout * 1e9)),
                    headTimeout: .nanoseconds(Int64(configuration.requestHeadTimeout * 1e9)))
            },
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "siemd/\(siemVersion)"
            ),
            services: engine.services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.info(
                    "siemd listening", metadata: ["http.host": "\(configuration.host)", "http.port": "\(port)"])
                await onServerRunning(port)
            },
            logger: logger
        )
    }

    /// Every route over `engine`, behind the middleware `configuration` asks for.
    public static func makeRouter(configuration: ServerConfiguration, engine: Engine) -> Router<SIEMRequestContext> {
        // HEAD answers every GET route with the GET's headers and no body.
        let router = Router(context: SIEMRequestContext.self, options: .autoGenerateHeadEndpoints)
        let security = configuration.security
        router.middlewares.add(SecurityHeadersMiddleware())
        router.middlewares.add(ErrorMiddleware())
        // One form of the request target (slashes collapsed, absolute-form resolved) before any
        // middleware matches paths: `//ingest` must meet the same rate limit as `/ingest`.
        router.middlewares.add(RequestTargetMiddleware())
        // Cheapest refusals first: a wrong Host or a flooding client costs no hashing or body.
        if let hosts = security.trustedHosts { router.middlewares.add(TrustedHostMiddleware(hosts: hosts)) }
        if let rateLimit = security.rateLimit { router.middlewares.add(RateLimitMiddleware(rateLimit)) }
        if security.authEnabled { router.middlewares.add(AuthMiddleware(security)) }
        // Every state change is recorded with who made it, refused ones (a role's 403) included.
        router.middlewares.add(AuditMiddleware(store: engine.stores.audit, roles: RouteRoles.bundled))
        if security.authEnabled { router.middlewares.add(RoleMiddleware(roles: RouteRoles.bundled)) }
        router.middlewares.add(BodyLimitMiddleware(limit: configuration.maxBodyBytes))
        let events = engine.stores.events
        EventRoutes(
            pipeline: engine.pipeline,
            decoder: EventDecoder(maxEvents: configuration.maxEventsPerRequest),
            maxBodyBytes: configuration.maxBodyBytes
        ).register(on: router)
        ElasticBulkRoutes(
            pipeline: engine.pipeline, maxBodyBytes: configuration.maxBodyBytes,
            maxItems: configuration.maxEventsPerRequest
        ).register(on: router)
        ElasticProbeRoutes().register(on: router)
        HECRoutes(
            pipeline: engine.pipeline, maxBodyBytes: configuration.maxBodyBytes,
            maxEvents: configuration.maxEventsPerRequest
        ).register(on: router)
        AlertRoutes(store: events, maxBodyBytes: configuration.maxBodyBytes).register(on: router)
        RuleRoutes(rules: engine.rules).register(on: router)
        MetricsRoutes(engine: engine).register(on: router)
        HealthRoutes(store: events, version: siemVersion, rules: engine.rules).register(on: router)
        EDRRoutes(edr: engine.edr, maxBodyBytes: configuration.maxBodyBytes).register(on: router)
        TIRoutes(threatIntel: engine.threatIntel, feeds: engine.feeds, maxBodyBytes: configuration.maxBodyBytes)
            .register(on: router)
        IncidentRoutes(incidents: engine.incidents, maxBodyBytes: configuration.maxBodyBytes).register(on: router)
        HistogramRoutes(store: events).register(on: router)
        AuditRoutes(store: engine.stores.audit).register(on: router)
        DashboardRoutes().register(on: router)
        APIDocsRoutes().register(on: router)
        OTLPRoutes(
            pipeline: engine.pipeline, maxBodyBytes: configuration.maxBodyBytes,
            maxEvents: configuration.maxEventsPerRequest
        ).register(on: router)
        return router
    }
}
