import Logging

extension SIEMServer {
    /// Logs which protections are on (never a secret), and warns loudly when siemd listens beyond
    /// loopback without authentication.
    /// Without any authentication siemd listens only on loopback, unless `SIEM_ALLOW_INSECURE=1`
    /// says the operator means it (then it starts with a loud warning).
    static func refuseInsecureBind(_ configuration: ServerConfiguration) throws(ConfigurationError) {
        guard !configuration.security.authEnabled, !isLoopback(configuration.host),
            !configuration.security.allowInsecure
        else { return }
        throw ConfigurationError(
            variable: "SIEM_HOST",
            problem: """
                refusing to listen on \(configuration.host) without authentication: anyone who can reach it could \
                read and write every event. Set SIEM_API_KEY, SIEM_API_KEYS_FILE or SIEM_BASIC_USER/SIEM_BASIC_PASS, \
                bind 127.0.0.1, or set SIEM_ALLOW_INSECURE=1 to do it anyway
                """)
    }

    static func logProtections(_ configuration: ServerConfiguration, logger: Logger) {
        logger.info("siemd protections", metadata: protectionsMetadata(configuration))
        if !configuration.security.authEnabled && !isLoopback(configuration.host) {
            logger.warning(
                """
                AUTHENTICATION IS OFF while listening on \(configuration.host): anyone who can reach this \
                address can read and write every event and alert. Set SIEM_API_KEY or \
                SIEM_BASIC_USER/SIEM_BASIC_PASS, or bind 127.0.0.1.
                """)
        }
    }

    static func protectionsMetadata(_ configuration: ServerConfiguration) -> Logger.Metadata {
        let security = configuration.security
        var schemes: [String] = []
        if security.apiKey != nil { schemes.append("api_key") }
        if security.basic != nil { schemes.append("basic") }
        let hosts = security.trustedHosts.map { $0.map(\.description).joined(separator: ",") } ?? "any"
        var metadata: Logger.Metadata = [
            "auth": "\(schemes.isEmpty ? "off" : schemes.joined(separator: "+"))",
            "trusted_hosts": "\(hosts)",
            "max_body_bytes": "\(configuration.maxBodyBytes)",
        ]
        if security.authEnabled {
            metadata["auth.exempt_paths"] = "\(security.authExemptPaths.map(\.description).joined(separator: ","))"
        }
        if let rateLimit = security.rateLimit {
            let paths = rateLimit.paths.map(\.description).joined(separator: ",")
            metadata["rate_limit"] = "\(rateLimit.requestsPerSecond)/s burst \(rateLimit.burst) on \(paths)"
        } else {
            metadata["rate_limit"] = "off"
        }
        return metadata
    }

    static func isLoopback(_ host: String) -> Bool {
        let host = HostPattern.normalize(host)
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
