/// Logins that an application or SSO service reports in RFC 5424 structured data (`log_type`
/// `app_login`): `<84>1 … sso.example.com authsvc web-4 LOGIN_FAIL [login@32473
/// user="bob@example.com" src="203.0.113.150" result="unknown_user" method="password"]
/// [origin ip="10.0.4.10" software="authsvc" swVersion="3.4.1"] Login failed for …`.
///
/// The login element is the first SD element with a user parameter (`user`, `username`,
/// `user_name`, `account`, `login`) and a result (`result`, `outcome`, `status`); the source is
/// `src`, `src_ip`, `source_ip`, `client_ip`, `ip`, `remote_addr` or `rip`.
///
/// Keys: `event.category` `authentication`, `event.action` (`login-success`, `login-failure`,
/// `login-unknown-user`, `mfa-success`, `mfa-failure`), `event.outcome`, `event.reason` (the
/// result when it says more than success or failure: `unknown_user`, `mfa_failed`, `locked`, …),
/// `user.name`, `user.email` (when the user is an address), `source.ip`, `authentication.method`
/// (`password`, `password+totp`), and from the IANA `origin` element `host.ip`, `service.name`,
/// `service.version`.
enum ApplicationLoginNormalizer {
    typealias Parameters = [(id: Substring, name: Substring, value: String)]

    static let userNames: [Substring] = ["user", "username", "user_name", "account", "login"]
    static let resultNames: [Substring] = ["result", "outcome", "status"]
    static let sourceNames: [Substring] = ["src", "src_ip", "source_ip", "client_ip", "ip", "remote_addr", "rip"]
    static let methodNames: [Substring] = ["method", "auth_method", "mechanism"]

    static let successes: Set<String> = [
        "success", "succeeded", "successful", "ok", "pass", "passed", "allow", "allowed", "accepted", "true",
    ]
    static let unknownUsers: Set<String> = [
        "unknown_user", "unknown-user", "no_such_user", "invalid_user", "user_not_found", "unknown user",
    ]
    static let plainFailures: Set<String> = ["failure", "failed", "fail", "false", "denied"]

    /// The parameters of the login element, by name.
    static func loginElement(_ data: Parameters) -> [Substring: String]? {
        var elements: [Substring: [Substring: String]] = [:]
        var order: [Substring] = []
        for item in data where item.id != "origin" && item.id != "meta" && item.id != "timeQuality" {
            if elements[item.id] == nil { order.append(item.id) }
            elements[item.id, default: [:]][item.name] = item.value
        }
        for id in order {
            guard let element = elements[id] else { continue }
            if userNames.contains(where: { element[$0] != nil }), resultNames.contains(where: { element[$0] != nil }) {
                return element
            }
        }
        return nil
    }

    static func normalize(
        _ body: Substring, header: SyslogHeader?, into record: inout NormalizedRecord
    ) -> Bool {
        guard let header, let element = loginElement(header.structuredData) else { return false }
        func first(_ names: [Substring]) -> String? {
            names.lazy.compactMap { element[$0] }.first { !$0.isEmpty && $0 != "-" }
        }
        let result = (first(resultNames) ?? "").lowercased()
        let msgID = header.msgID?.uppercased() ?? ""
        let factor =
            result.contains("mfa") || result.contains("2fa") || result.contains("otp")
            || msgID.contains("MFA") || msgID.contains("2FA") || msgID.contains("OTP")
        let success = successes.contains(result)
        record.set("event.category", "authentication")
        record.set("event.outcome", success ? "success" : "failure")
        if factor {
            record.set("event.action", success ? "mfa-success" : "mfa-failure")
        } else if success {
            record.set("event.action", "login-success")
        } else if unknownUsers.contains(result) {
            record.set("event.action", "login-unknown-user")
        } else {
            record.set("event.action", "login-failure")
        }
        if !success, !plainFailures.contains(result) { record.set("event.reason", result) }
        if let user = first(userNames) {
            record.set("user.name", user)
            if isEmail(user) { record.set("user.email", user.lowercased()) }
        }
        if let source = first(sourceNames) { record.setAddress("source", source) }
        if let method = first(methodNames) { record.set("authentication.method", method) }
        for item in header.structuredData where item.id == "origin" {
            switch item.name {
            case "ip": if !record.has("host.ip") { record.setIP("host.ip", item.value) }
            case "software": record.set("service.name", item.value)
            case "swVersion": record.set("service.version", item.value)
            default: break
            }
        }
        return true
    }

    /// `local@domain.tld`, loosely.
    private static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(" ")
    }
}
