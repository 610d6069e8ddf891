import Foundation

/// Windows events shipped as flat JSON (`log_type` `windows_security` or `powershell`): the
/// event's `fields` carry `EventID`, `Channel`, `Computer`/`Hostname`, `TimeCreated`/`@timestamp`
/// and the EventData members under their Windows names (`TargetUserName`, `IpAddress`, …).
///
/// Keys: `event.code` (the ID), `event.category`, `event.action` (`logged-in`, `logon-failed`,
/// `created-process`, `service-installed`, `audit-log-cleared`, `script-block-logged`, …),
/// `event.outcome`, `event.reason` (4625 SubStatus in words), `user.name`, `user.domain`,
/// `user.target.name`, `group.name`, `source.ip`, `source.port`, `source.domain` (workstation),
/// `winlog.logon.type` (`Interactive`, `Network`, `RemoteInteractive`, …), `process.executable`,
/// `process.name`, `process.pid`, `process.command_line`, `process.parent.executable`,
/// `service.name`, `powershell.file.script_block_text`, `dns.question.name` (Sysmon 22),
/// `host.hostname`, `winlog.channel`, `winlog.provider_name`, `winlog.record_id`.
enum WindowsNormalizer {
    struct Meaning {
        let category: String
        let action: String
        let outcome: String?
        /// Who the user is: the target account (logons) or the subject (who acted).
        let actorIsTarget: Bool

        init(_ category: String, _ action: String, _ outcome: String? = "success", actorIsTarget: Bool = false) {
            self.category = category
            self.action = action
            self.outcome = outcome
            self.actorIsTarget = actorIsTarget
        }
    }

    static let security: [Int: Meaning] = [
        4624: Meaning("authentication", "logged-in", actorIsTarget: true),
        4625: Meaning("authentication", "logon-failed", "failure", actorIsTarget: true),
        4634: Meaning("authentication", "logged-out", actorIsTarget: true),
        4647: Meaning("authentication", "logged-out", actorIsTarget: true),
        4648: Meaning("authentication", "logged-in-explicit"),
        4672: Meaning("iam", "assigned-special-privileges"),
        4688: Meaning("process", "created-process"),
        4689: Meaning("process", "exited-process"),
        4697: Meaning("configuration", "service-installed"),
        4720: Meaning("iam", "added-user-account"),
        4722: Meaning("iam", "enabled-user-account"),
        4723: Meaning("iam", "changed-password"),
        4724: Meaning("iam", "reset-password"),
        4725: Meaning("iam", "disabled-user-account"),
        4726: Meaning("iam", "deleted-user-account"),
        4728: Meaning("iam", "added-member-to-group"),
        4729: Meaning("iam", "removed-member-from-group"),
        4732: Meaning("iam", "added-member-to-group"),
        4733: Meaning("iam", "removed-member-from-group"),
        4740: Meaning("iam", "locked-out-user-account"),
        4756: Meaning("iam", "added-member-to-group"),
        4768: Meaning("authentication", "kerberos-tgt-requested", nil, actorIsTarget: true),
        4769: Meaning("authentication", "kerberos-service-ticket-requested", nil, actorIsTarget: true),
        4771: Meaning("authentication", "kerberos-preauth-failed", "failure", actorIsTarget: true),
        4776: Meaning("authentication", "credential-validated", nil, actorIsTarget: true),
        4656: Meaning("file", "object-handle-requested", nil),
        4658: Meaning("file", "object-handle-closed", nil),
        4663: Meaning("file", "object-accessed", nil),
        4690: Meaning("file", "object-handle-duplicated", nil),
        4703: Meaning("iam", "token-rights-adjusted", nil),
        4673: Meaning("iam", "privileged-service-called", nil),
        4674: Meaning("iam", "privileged-object-operation", nil),
        4627: Meaning("iam", "group-membership-logged", nil, actorIsTarget: true),
        5154: Meaning("network", "listen-permitted"),
        5156: Meaning("network", "connection-permitted"),
        5157: Meaning("network", "connection-blocked", "failure"),
        5158: Meaning("network", "bind-permitted"),
        1102: Meaning("configuration", "audit-log-cleared"),
        7045: Meaning("configuration", "service-installed"),
        7036: Meaning("configuration", "service-state-changed", nil),
        7000: Meaning("configuration", "service-start-failed", "failure"),
        7009: Meaning("configuration", "service-start-timeout", "failure"),
    ]

    static let powershell: [Int: Meaning] = [
        4103: Meaning("process", "module-logged", nil),
        4104: Meaning("process", "script-block-logged", nil),
        800: Meaning("process", "pipeline-executed", nil),
        400: Meaning("process", "engine-started", nil),
        403: Meaning("process", "engine-stopped", nil),
        600: Meaning("process", "provider-started", nil),
    ]

    static let sysmon: [Int: Meaning] = [
        1: Meaning("process", "created-process", nil),
        3: Meaning("network", "network-connection", nil),
        5: Meaning("process", "terminated-process", nil),
        7: Meaning("process", "image-loaded", nil),
        8: Meaning("process", "created-remote-thread", nil),
        10: Meaning("process", "accessed-process", nil),
        11: Meaning("file", "created-file", nil),
        12: Meaning("registry", "registry-object-added-or-deleted", nil),
        13: Meaning("registry", "registry-value-set", nil),
        17: Meaning("process", "created-pipe", nil),
        18: Meaning("process", "connected-pipe", nil),
        22: Meaning("network", "dns-query", nil),
    ]

    static let logonTypes: [String: String] = [
        "0": "System", "2": "Interactive", "3": "Network", "4": "Batch", "5": "Service", "7": "Unlock",
        "8": "NetworkCleartext", "9": "NewCredentials", "10": "RemoteInteractive", "11": "CachedInteractive",
        "12": "CachedRemoteInteractive", "13": "CachedUnlock",
    ]

    static let failureReasons: [String: String] = [
        "0xc0000064": "unknown user name", "0xc000006a": "bad password", "0xc000006d": "bad user name or password",
        "0xc000006f": "outside authorized hours", "0xc0000070": "workstation restriction",
        "0xc0000071": "password expired", "0xc0000072": "account disabled", "0xc0000193": "account expired",
        "0xc0000133": "clock skew", "0xc000015b": "logon type not granted", "0xc0000224": "password must change",
        "0xc0000234": "account locked out",
    ]

    /// The Windows event ID in `fields`, when there is one.
    static func eventID(_ fields: [String: JSONValue]) -> Int? {
        for key in ["EventID", "event_id", "EventId", "eventID"] {
            if let text = fields[key]?.scalarText, let id = Int(text) { return id }
        }
        if case .object(let event)? = fields["event"], let text = event["code"]?.scalarText { return Int(text) }
        return nil
    }

    /// Fills the record from `fields`; returns the log type (`windows_security` or `powershell`).
    static func normalize(_ fields: [String: JSONValue], into record: inout NormalizedRecord) -> String? {
        guard let id = eventID(fields) else { return nil }
        func text(_ names: String...) -> Substring? {
            for name in names {
                if let value = fields[name]?.scalarText.map({ Substring($0).trimmed }), !value.isEmpty, value != "-" {
                    return value
                }
            }
            return nil
        }
        let channel = text("Channel", "channel").map(String.init) ?? ""
        let provider = text("ProviderName", "SourceName", "Provider").map(String.init) ?? ""
        let isSysmon = channel.lowercased().contains("sysmon") || provider.contains("Sysmon")
        let isPowerShell = !isSysmon && (channel.contains("PowerShell") || provider.contains("PowerShell"))
        let meaning = isSysmon ? sysmon[id] : isPowerShell ? powershell[id] ?? security[id] : security[id]
        record.set("event.code", String(id))
        if !channel.isEmpty { record.set("winlog.channel", channel) }
        if !provider.isEmpty { record.set("winlog.provider_name", provider) }
        if let recordID = text("EventRecordID", "RecordNumber") { record.setInt("winlog.record_id", recordID) }
        if let host = text("Computer", "Hostname", "host", "ComputerName") { record.set("host.hostname", host) }
        if let stamp = text("TimeCreated", "@timestamp", "UtcTime", "EventTime", "TimeGenerated") {
            record.time = record.clock.rfc3339(stamp, zonelessIsUTC: true)
        }
        if let meaning {
            record.set("event.category", meaning.category)
            record.set("event.action", meaning.action)
            if let outcome = meaning.outcome { record.set("event.outcome", outcome) }
        }
        // Users: the account acted upon, and the one who acted.
        let target = text("TargetUserName")
        let subject = text("SubjectUserName")
        if meaning?.actorIsTarget ?? false {
            if let target { record.set("user.name", target) }
            if let domain = text("TargetDomainName") { record.set("user.domain", domain) }
        } else {
            if let subject { record.set("user.name", subject) }
            if let domain = text("SubjectDomainName") { record.set("user.domain", domain) }
            if [4728, 4729, 4732, 4733, 4756].contains(id) {
                if let target { record.set("group.name", target) }
                if let member = text("MemberName") ?? text("MemberSid") { record.set("user.target.name", member) }
            } else if let target {
                record.set("user.target.name", target)
            }
        }
        if isSysmon, let user = text("User") {
            let name = user.split(separator: "\\").last ?? user
            record.set("user.name", name)
        }
        if let address = text("IpAddress", "SourceAddress", "SourceIp") { record.setIP("source.ip", address) }
        if let port = text("IpPort", "SourcePort"), port != "0" { record.setInt("source.port", port) }
        if let address = text("DestAddress", "DestinationIp") { record.setIP("destination.ip", address) }
        if let port = text("DestPort", "DestinationPort") { record.setInt("destination.port", port) }
        if let workstation = text("WorkstationName") { record.set("source.domain", workstation) }
        if let logonType = text("LogonType") {
            record.set("winlog.logon.type", logonTypes[String(logonType)] ?? String(logonType))
        }
        if id == 4625 || id == 4771 || id == 4776, let status = text("SubStatus", "Status") {
            let key = status.lowercased()
            if let reason = failureReasons[key] { record.set("event.reason", reason) }
            if id == 4776 { record.set("event.outcome", key == "0x0" ? "success" : "failure") }
        }
        // Processes.
        if let executable = text("NewProcessName", "Image", "ProcessName", "Application", "SourceImage") {
            record.set("process.executable", executable)
            record.set("process.name", executable.split(whereSeparator: { $0 == "\\" || $0 == "/" }).last ?? executable)
        }
        if let pid = text("NewProcessId", "ProcessId", "ProcessID", "SourceProcessId") { setPID(pid, into: &record) }
        if let command = text("CommandLine") { record.set("process.command_line", command) }
        if let parent = text("ParentProcessName", "ParentImage") { record.set("process.parent.executable", parent) }
        if let parent = text("ParentCommandLine") { record.set("process.parent.command_line", parent) }
        if let target = text("TargetImage") { record.set("process.target.executable", target) }
        if let hashes = text("Hashes") { setHashes(hashes, into: &record) }
        if let file = text("TargetFilename") { record.set("file.path", file) }
        if let query = text("QueryName") {
            record.set("dns.question.name", Substring(query.lowercased()).trimmingSuffix("."))
        }
        // Services.
        if let service = text("ServiceName") { record.set("service.name", service) }
        if let image = text("ImagePath", "ServiceFileName"), !record.has("process.command_line") {
            record.set("process.command_line", image)
        }
        // PowerShell.
        if let script = text("ScriptBlockText") { record.set("powershell.file.script_block_text", script) }
        if let scriptID = text("ScriptBlockId") { record.set("powershell.file.script_block_id", scriptID) }
        let powerShellEvent = isPowerShell || (!isSysmon && security[id] == nil && powershell[id] != nil)
        if powerShellEvent, !record.has("process.command_line"), let application = hostApplication(text) {
            record.set("process.command_line", application)
        }
        return powerShellEvent ? "powershell" : "windows_security"
    }

    /// The PowerShell host's command line: a `HostApplication` member, or the `HostApplication=`
    /// (800) or `Host Application = ` (4103) line inside the context text.
    private static func hostApplication(_ text: (String...) -> Substring?) -> Substring? {
        if let value = text("HostApplication") { return value }
        for name in ["ContextInfo", "Payload", "Message"] {
            guard let context = text(name) else { continue }
            if let rest = context.after("HostApplication=") ?? context.after("Host Application = ") {
                let line = rest.prefix { $0 != "\r" && $0 != "\n" && $0 != "\r\n" }.trimmed
                if !line.isEmpty { return line }
            }
        }
        return nil
    }

    /// `0x12d8` or `4824`.
    private static func setPID(_ text: Substring, into record: inout NormalizedRecord) {
        if text.lowercased().hasPrefix("0x") {
            if let value = Int64(text.dropFirst(2), radix: 16) { record.set("process.pid", .int(value)) }
        } else {
            record.setInt("process.pid", text)
        }
    }

    /// Sysmon `SHA1=…,MD5=…,SHA256=…,IMPHASH=…`.
    private static func setHashes(_ text: Substring, into record: inout NormalizedRecord) {
        for part in text.split(separator: ",") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            let name = part[..<equals].lowercased()
            guard ["md5", "sha1", "sha256"].contains(name) else { continue }
            record.set("process.hash.\(name)", part[part.index(after: equals)...].lowercased())
        }
    }
}
