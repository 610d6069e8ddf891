import Foundation

/// Understands one kind of log line and fills `Event.normalized` (and `ts` when the log carries
/// a time). Normalizers are pure: they never drop the raw message.
public protocol Normalizer: Sendable {
    func normalize(_ event: inout Event)
}

/// Chooses the normalizer for each event and runs it.
///
/// Selection: an explicit `log_type` (or `fields.log_type`) wins; otherwise a Windows event ID in
/// `fields`, a CEF body, an Apache or nginx error line, the syslog program (`sshd`, `sudo`,
/// `named`, `unbound`, `dhcpd`, `kernel` with netfilter keys, `filterlog`, `postfix/…`,
/// `dovecot`, …), a login in RFC 5424 structured data, and last the line's shape. A `web` line
/// (`nginx`, `apache`) shaped like an error line is read as `web_error`. When the named type does
/// not understand the line, detection gets a chance too. Lines nothing understands keep their
/// syslog header keys and are stored raw, never dropped.
///
/// Output besides the per-source keys (see each normalizer): `event.dataset` (the log type used),
/// the syslog header (`log.syslog.*`, `host.hostname`, `process.name`, `process.pid`), and for
/// hostile input `log.flags` (`truncated`, `nul_bytes`, `invalid_utf8`, `cef_dangling_escape`,
/// `syslog_structured_data_unterminated`, …) plus `event.original_truncated` when only the first
/// `maxParsedBytes` were parsed. The message itself is never changed.
///
/// The event time (`ts`) becomes the log's own time when the client sent none (`ts` equal to
/// `receivedAt`). RFC 3164 and other zone-less times are read in `timeZone`; the year of RFC 3164
/// times is inferred from `receivedAt` so that they never land more than a day in its future.
public struct NormalizerSet: Normalizer {
    public let zone: LocalZone
    /// Lines longer than this are parsed only up to here (and flagged); the message is kept whole.
    public var maxParsedBytes: Int

    public init(timeZone: TimeZone = TimeZone(identifier: "UTC")!, maxParsedBytes: Int = 64 * 1024) {
        zone = LocalZone(timeZone)
        self.maxParsedBytes = maxParsedBytes
    }

    public func normalize(_ event: inout Event) {
        var record = NormalizedRecord(clock: LogClock(zone: zone, now: event.receivedAt))
        var explicit = event.logType.flatMap(LogType.init(tag:))
        if explicit == .web, Self.isErrorLine(event.message, clock: record.clock) { explicit = .webError }
        let dataset = normalize(event, explicit: explicit, into: &record)
        if let dataset {
            record.set("event.dataset", dataset)
            if event.logType == nil { event.logType = dataset }
        }
        if !record.flags.isEmpty { record.values["log.flags"] = .array(record.flags.map { .string($0) }) }
        if event.normalized.isEmpty {
            event.normalized = record.values
        } else {
            for (key, value) in record.values { event.normalized[key] = value }
        }
        if let time = record.time, event.ts == event.receivedAt { event.ts = time }
        Self.attributeHost(&event)
    }

    /// The host is the machine that wrote the log, not the one that shipped it: a host the line
    /// names (the syslog header, Windows `Computer`, both in `host.hostname`; CEF's `dvchost` when
    /// there is no header) becomes `host`, and the sent host, when it differs, is kept as
    /// `agent.hostname`; an ECS `agent.hostname` the shipper sent (Beats, `siem-agent tail` for
    /// JSON lines) is kept there too.
    static func attributeHost(_ event: inout Event) {
        if case .object(let agent)? = event.fields["agent"], case .string(let name)? = agent["hostname"], !name.isEmpty
        {
            event.normalized["agent.hostname"] = .string(name)
        } else if case .string(let name)? = event.fields["agent.hostname"], !name.isEmpty {
            event.normalized["agent.hostname"] = .string(name)
        }
        var own = event.normalized["host.hostname"]?.stringValue
        if own == nil, event.logType == LogType.cef.rawValue {
            own = event.normalized["observer.hostname"]?.stringValue
        }
        // The same name is the common case: compared byte by byte before any case folding.
        guard let own, !own.isEmpty, !own.utf8.elementsEqual(event.host.utf8),
            own.lowercased() != event.host.lowercased()
        else { return }
        if event.normalized["agent.hostname"] == nil, event.host != "unknown", !event.host.isEmpty {
            event.normalized["agent.hostname"] = .string(event.host)
        }
        event.host = own
    }

    /// Whether a line sent as `web` is an Apache or nginx error line, alone or after a syslog header.
    static func isErrorLine(_ message: String, clock: LogClock) -> Bool {
        let text = Substring(message).prefix(4096)
        if WebErrorNormalizer.looksLikeErrorLine(text) { return true }
        guard let body = SyslogHeader.parse(text, clock: clock)?.message else { return false }
        return WebErrorNormalizer.looksLikeErrorLine(body)
    }

    /// Fills `record`; returns the log type that understood the event, if any.
    private func normalize(_ event: Event, explicit: LogType?, into record: inout NormalizedRecord) -> String? {
        if explicit == .windowsSecurity || explicit == .powershell
            || (explicit == nil && WindowsNormalizer.eventID(event.fields) != nil)
        {
            if let type = WindowsNormalizer.normalize(event.fields, into: &record) { return type }
        }
        var text = Substring(event.message)
        if text.utf8.count > maxParsedBytes {
            var end = text.utf8.index(text.utf8.startIndex, offsetBy: maxParsedBytes)
            while end > text.startIndex, text.utf8[end] & 0xC0 == 0x80 { end = text.utf8.index(before: end) }
            text = text[..<end]
            record.flag("truncated")
            record.set("event.original_truncated", .bool(true))
        }
        var cleaned: String?
        if text.find("\0") != nil {
            record.flag("nul_bytes")
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: text.unicodeScalars.lazy.filter { $0 != "\0" })
            cleaned = String(scalars)
        }
        if text.find("\u{FFFD}") != nil { record.flag("invalid_utf8") }
        if let cleaned { text = Substring(cleaned) }

        if explicit == .web || (explicit == nil && text.startsWith("{")),
            WebNormalizer.normalize(text, into: &record)
        {
            return LogType.web.rawValue
        }
        if explicit == .web || explicit == nil, event.fields["status"] != nil || event.fields["request"] != nil,
            WebNormalizer.fields(event.fields, into: &record)
        {
            return LogType.web.rawValue
        }
        let header = SyslogHeader.parse(text, clock: record.clock)
        header?.apply(to: &record)
        let body = header?.message ?? text
        let program = event.fields["program"]?.stringValue.map { Substring($0) } ?? header?.appName
        if let explicit, explicit != .syslog, run(explicit, body, program: program, header: header, into: &record) {
            return explicit.rawValue
        }
        if let detected = LogType.detect(program: program, body: body, header: header), detected != explicit,
            run(detected, body, program: program, header: header, into: &record)
        {
            return detected.rawValue
        }
        if explicit == .syslog || header != nil { return header != nil ? LogType.syslog.rawValue : nil }
        return nil
    }

    private func run(
        _ type: LogType, _ body: Substring, program: Substring?, header: SyslogHeader?,
        into record: inout NormalizedRecord
    ) -> Bool {
        var attempt = record
        let understood: Bool
        switch type {
        case .auth: understood = AuthNormalizer.normalize(body, into: &attempt)
        case .sudo: understood = SudoNormalizer.normalize(body, into: &attempt)
        case .web: understood = WebNormalizer.normalize(body, into: &attempt)
        case .firewall: understood = FirewallNormalizer.normalize(body, program: program, into: &attempt)
        case .dns: understood = DNSNormalizer.normalize(body, into: &attempt)
        case .dhcp: understood = DHCPNormalizer.normalize(body, into: &attempt)
        case .cef: understood = CEFNormalizer.normalize(body, into: &attempt)
        case .webError: understood = WebErrorNormalizer.normalize(body, into: &attempt)
        case .mail: understood = MailNormalizer.normalize(body, program: program, into: &attempt)
        case .appLogin: understood = ApplicationLoginNormalizer.normalize(body, header: header, into: &attempt)
        case .windowsSecurity, .powershell, .syslog: understood = false
        }
        if understood {
            record = attempt
        } else {
            for flag in attempt.flags { record.flag(flag) }
        }
        return understood
    }
}

/// The log types the normalizers understand, as `log_type` names them.
enum LogType: String, Sendable {
    case auth, sudo, web, firewall, dns, dhcp, cef, syslog, mail
    case webError = "web_error"
    case appLogin = "app_login"
    case windowsSecurity = "windows_security"
    case powershell

    static let aliases: [String: LogType] = [
        "auth": .auth, "sshd": .auth, "ssh": .auth, "linux_auth": .auth, "pam": .auth, "authlog": .auth,
        "sudo": .sudo,
        "web": .web, "nginx": .web, "apache": .web, "access": .web, "http": .web, "web_access": .web,
        "web_error": .webError, "apache_error": .webError, "nginx_error": .webError, "httpd_error": .webError,
        "error_log": .webError,
        "firewall": .firewall, "ufw": .firewall, "iptables": .firewall, "netfilter": .firewall, "pfsense": .firewall,
        "opnsense": .firewall, "filterlog": .firewall,
        "mail": .mail, "maillog": .mail, "postfix": .mail, "dovecot": .mail, "smtp": .mail, "imap": .mail,
        "app_login": .appLogin, "sso": .appLogin, "application_login": .appLogin,
        "dns": .dns, "bind": .dns, "named": .dns, "unbound": .dns,
        "dhcp": .dhcp, "dhcpd": .dhcp, "isc_dhcp": .dhcp,
        "cef": .cef,
        "syslog": .syslog,
        "windows_security": .windowsSecurity, "windows": .windowsSecurity, "wineventlog": .windowsSecurity,
        "sysmon": .windowsSecurity,
        "powershell": .powershell,
    ]

    init?(tag: String) {
        guard let type = Self.aliases[tag.lowercased()] else { return nil }
        self = type
    }

    /// From the syslog program first, then the shape of the message.
    static func detect(program: Substring?, body: Substring, header: SyslogHeader? = nil) -> LogType? {
        // A CEF record starts the body (or follows a relay's header); ` CEF:` later in the line is
        // text a program wrote (an sshd user name can be `x CEF:0|…`): the program decides first.
        if body.startsWith("CEF:") { return .cef }
        if WebErrorNormalizer.looksLikeErrorLine(body) { return .webError }
        if let type = program.flatMap({ programLogType($0, body: body) }) { return type }
        if body.has("|CEF:") || body.leadingCharacters(200).has(" CEF:") { return .cef }
        // `[sshd]: User root from … not allowed` (no pid: the header reads `[sshd]:` as the host).
        if program == nil || header?.hostname?.hasPrefix("[") == true, AuthNormalizer.looksLikeSSHD(body) {
            return .auth
        }
        return shapeLogType(body: body, header: header)
    }

    /// The log type a syslog program name says, or nil.
    private static func programLogType(_ program: Substring, body: Substring) -> LogType? {
        let name = program.lowercased()
        switch name {
        case "sshd", "sshd-session": return .auth
        case "sudo": return .sudo
        case "named", "unbound", "bind", "dnsmasq": return .dns
        case "dhcpd", "dhcpd6", "dhcpdv6": return .dhcp
        case "nginx", "apache", "apache2", "httpd": return .web
        case "scanlogd", "portsentry", "ufw", "filterlog": return .firewall
        case "kernel": return body.has("IN=") && body.has(" OUT=") ? .firewall : nil
        default:
            if name.hasPrefix("sshd") { return .auth }
            if name.contains("pam_unix") || body.has("pam_unix") || body.has("(pam_unix)") { return .auth }
            if MailNormalizer.isMailProgram(name) { return .mail }
            return nil
        }
    }

    /// The log type the shape of the line says, or nil.
    private static func shapeLogType(body: Substring, header: SyslogHeader?) -> LogType? {
        if let header, ApplicationLoginNormalizer.loginElement(header.structuredData) != nil { return .appLogin }
        if PfSenseNormalizer.looksLikeFilterlog(body) { return .firewall }
        if body.has("IN="), body.has(" OUT="), body.has("SRC=") { return .firewall }
        if body.startsWith("DHCP") { return .dhcp }
        if body.has("client "), body.has("#"), body.has(" query") || body.has("transfer") { return .dns }
        if WebNormalizer.looksLikeAccess(body) { return .web }
        if body.has("Failed password for ") || body.has("Accepted password for ") || body.has("Accepted publickey for ")
            || body.has("pam_unix") || body.has("(pam_unix)") || body.startsWith("type=USER_")
        {
            return .auth
        }
        if body.has(" : TTY=") || body.has(" ; COMMAND=") { return .sudo }
        if MailNormalizer.looksLikeMail(body) { return .mail }
        if body.has("[client "), body.has("] ") { return .web }
        if body.has(", client: "), body.has(", server: ") { return .web }
        if body.has(" ports "), body.has(" to ") { return .firewall }
        if body.has("Host: "), body.has(" Port: ") { return .firewall }
        return nil
    }
}
