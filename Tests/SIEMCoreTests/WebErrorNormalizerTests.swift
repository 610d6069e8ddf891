import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

@Suite struct WebErrorNormalizerTests {
    @Test func apacheLinesOfBothVersions() {
        let modern = Samples.normalize(
            "[Sat Jul 20 21:37:32.266605 2013] [auth_basic:error] [pid 17512:tid 140123079128832] [client 127.0.0.1:51386] AH01618: user bob not found: /basic/file"
        )
        #expect(modern.logType == "web_error")
        #expect(modern["event.action"] == "auth-user-not-found")
        #expect(modern["event.category"] == "authentication")
        #expect(modern["event.outcome"] == "failure")
        #expect(modern["user.name"] == "bob")
        #expect(modern["url.path"] == "/basic/file")
        #expect(modern["source.ip"] == "127.0.0.1")
        #expect(modern["source.port"] == "51386")
        #expect(modern["log.level"] == "error")
        #expect(modern["log.logger"] == "auth_basic")
        #expect(modern["process.pid"] == "17512")
        #expect(modern["process.thread.id"] == "140123079128832")
        #expect(modern["error.code"] == "AH01618")
        #expect(modern.ts == Date(timeIntervalSince1970: 1_374_356_252.266605))

        let old = Samples.normalize(
            "[Wed Jul 17 22:18:52 2013] [error] [client 2001:db8::80da:af6b:8b2c] user alice: authentication failure for \"/basic/file\": Password Mismatch"
        )
        #expect(old["event.action"] == "auth-password-mismatch")
        #expect(old["user.name"] == "alice")
        #expect(old["url.path"] == "/basic/file")
        #expect(old["source.ip"] == "2001:db8::80da:af6b:8b2c")
        #expect(old.ts == Date(timeIntervalSince1970: 1_374_099_532))

        let bracketed = Samples.normalize(
            "[Sat Jul 20 22:11:44.147674 2013] [authz_owner:error] [pid 17540:tid 1] [client [2001:db8::1]:51548] AH01637: Authorization of user eve to access /private failed, reason: file owner dan does not match"
        )
        #expect(bracketed["source.ip"] == "2001:db8::1")
        #expect(bracketed["source.port"] == "51548")
        #expect(bracketed["event.action"] == "authz-denied")
        #expect(bracketed["user.name"] == "eve")
        #expect(bracketed["url.path"] == "/private")

        let viaSyslog = Samples.normalize(
            "Feb 15 16:23:00 srv httpd[22034]: [authz_core:error] [pid 22034] [client 192.0.2.1:58585] AH01630: client denied by server configuration: /home/www/, referer: https://example.com/"
        )
        #expect(viaSyslog.logType == "web_error")
        #expect(viaSyslog["event.action"] == "authz-denied")
        #expect(viaSyslog["file.path"] == "/home/www/")
        #expect(viaSyslog["http.request.referrer"] == "https://example.com/")
        #expect(viaSyslog["host.hostname"] == "srv")
    }

    /// One line per action: the message, what it is, and the user, path or URL it names.
    @Test(
        arguments: [
            (
                #"[error] [client 192.0.2.9] Digest: user `bob' in realm `private' not found: /d/"#,
                "auth-user-not-found", "bob"
            ),
            (#"[error] [client 192.0.2.9] Digest: user bob: password mismatch: /d/"#, "auth-password-mismatch", "bob"),
            (
                #"[error] [client 192.0.2.9] user bob: authentication failure for "/x": Not a valid FQDN"#,
                "auth-failure", "bob"
            ),
            (#"[error] [client 192.0.2.9] client used wrong authentication scheme: /x"#, "auth-wrong-scheme", nil),
            (
                #"[error] [client 192.0.2.9] Digest: realm mismatch - got `a' but expected `b'"#, "auth-digest-invalid",
                nil
            ),
            (
                #"[error] [client 192.0.2.9] Digest: invalid nonce abc received - hash is not def"#,
                "auth-digest-nonce-mismatch", nil
            ),
            (
                #"[ssl:error] [pid 6586] [client 192.0.2.9:58028] AH02033: No hostname was provided via SNI for a name based virtual host"#,
                "tls-sni-mismatch", nil
            ),
            (#"[error] [client 192.0.2.9] File does not exist: /var/www/phpmyadmin"#, "file-not-found", nil),
            (
                #"[error] [client 192.0.2.9] script '/var/www/wp-login.php' not found or unable to stat"#,
                "script-not-found", nil
            ),
            (
                #"[cgi:error] [pid 1:tid 2] [client 192.0.2.9:1] AH02811: stderr from /usr/lib/cgi-bin/luci: script not found or unable to stat"#,
                "script-not-found", nil
            ),
            (
                #"[autoindex:error] [pid 1] [client 192.0.2.9:1] AH01276: Cannot serve directory /var/www/x/: No matching DirectoryIndex found, and server-generated directory index forbidden by Options directive"#,
                "directory-index-forbidden", nil
            ),
            (
                #"[error] [client 192.0.2.9] Directory index forbidden by Options directive: /var/www/x/"#,
                "directory-index-forbidden", nil
            ),
            (#"[error] [client 192.0.2.9] request failed: URI too long (longer than 8190)"#, "uri-too-long", nil),
            (
                #"[error] [client 192.0.2.9] request failed: erroneous characters after protocol string: x"#,
                "invalid-request", nil
            ),
            (#"[error] [client 192.0.2.9] Invalid method in request \x16\x03\x01"#, "invalid-method", nil),
            (#"[error] [client 192.0.2.9] Invalid URI in request \xf9h\xa9"#, "invalid-uri", nil),
            (
                #"[core:error] [pid 1] [client 192.0.2.9:1] AH10244: invalid URI path (/cgi-bin/%%32%65%%32%65/bin/sh)"#,
                "path-traversal", nil
            ),
            (
                #"[cgi:error] [pid 1] [client 192.0.2.9:1] AH01215: /bin/bash: warning: HTTP_X: ignoring function definition attempt"#,
                "shellshock-attempt", nil
            ),
            (
                #"[proxy_fcgi:error] [pid 1] [client 192.0.2.9] AH01071: Got error 'Primary script unknown'"#,
                "script-not-found", nil
            ),
        ] as [(String, String, String?)])
    func apacheActions(line: String, action: String, user: String?) {
        let event = Samples.normalize(line)
        #expect(event.logType == "web_error")
        #expect(event["event.action"] == action)
        #expect(event["source.ip"] == "192.0.2.9")
        #expect(event["user.name"] == user)
        let outcome: String? = WebErrorMessage.noOutcome.contains(action) ? nil : "failure"
        #expect(event["event.outcome"] == outcome)
    }

    @Test func traversalIsDecodedAndTheOriginalKept() {
        let event = Samples.normalize(
            "[Sat Mar 15 16:04:06.105212 2010] [core:error] [pid 17408] [client 192.0.2.1:55280] AH00126: Invalid URI in request GET /static/%2e%2e/%2e%2e/etc/passwd HTTP/1.1"
        )
        #expect(event["event.action"] == "path-traversal")
        #expect(event["http.request.method"] == "GET")
        #expect(event["url.original"] == "/static/%2e%2e/%2e%2e/etc/passwd")
        #expect(event["url.path"] == "/static/../../etc/passwd")
        #expect(event["http.version"] == "1.1")
    }

    @Test func nginxLines() {
        let missing = Samples.normalize(
            #"2012/04/09 11:53:29 [error] 2865#0: *66647 user "xyz" was not found in "/var/www/.htpasswd", client: 192.0.43.10, server: www.example.com, request: "GET /admin/%7Eroot?x=1 HTTP/1.1", host: "www.example.com:8443", referrer: "https://www.example.com/""#
        )
        #expect(missing.logType == "web_error")
        #expect(missing["event.action"] == "auth-user-not-found")
        #expect(missing["user.name"] == "xyz")
        #expect(missing["source.ip"] == "192.0.43.10")
        #expect(missing["http.request.method"] == "GET")
        #expect(missing["url.original"] == "/admin/%7Eroot?x=1")
        #expect(missing["url.path"] == "/admin/~root")
        #expect(missing["url.query"] == "x=1")
        #expect(missing["url.domain"] == "www.example.com")
        #expect(missing["http.request.referrer"] == "https://www.example.com/")
        #expect(missing["process.pid"] == "2865")
        #expect(missing["log.level"] == "error")
        #expect(missing.ts == Date(timeIntervalSince1970: 1_333_972_409))

        let cases: [(String, String, String?)] = [
            (#"user "scriben dio": password mismatch"#, "auth-password-mismatch", "scriben dio"),
            ("no user/password was provided for basic authentication", "auth-missing-credentials", nil),
            ("PAM: user 'bob' - not authenticated: Authentication failure", "auth-failure", "bob"),
            (#"open() "/var/www/wp-login.php" failed (2: No such file or directory)"#, "file-not-found", nil),
            (#"open() "/var/www/.env" failed (13: Permission denied)"#, "file-permission-denied", nil),
            (#""/var/www/roundcube/index.html" is not found (2: No such file or directory)"#, "file-not-found", nil),
            (#"directory index of "/var/www/uploads/" is forbidden"#, "directory-index-forbidden", nil),
            ("access forbidden by rule", "authz-denied", nil),
            ("client sent too long URI while reading client request line", "uri-too-long", nil),
            ("client sent invalid method while reading client request line", "invalid-method", nil),
            (#"limiting requests, excess: 10.240 by zone "login""#, "rate-limited", nil),
            (
                "upstream timed out (110: Connection timed out) while reading response header from upstream",
                "upstream-error", nil
            ),
            (
                "SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking",
                "tls-handshake-failed", nil
            ),
            ("something nobody described", "http-error", nil),
        ]
        for (message, action, user) in cases {
            let event = Samples.normalize(
                "2024/03/14 10:00:00 [error] 1#1: *9 \(message), client: 192.0.2.7, server: example.com, request: \"GET / HTTP/1.1\", host: \"example.com\""
            )
            #expect(event["event.action"] == action, "\(message)")
            #expect(event["user.name"] == user, "\(message)")
            #expect(event["source.ip"] == "192.0.2.7", "\(message)")
        }

        let journal = Samples.normalize(
            #"host nginx[983478]: 2023/12/09 21:35:20 [error] 983478#983478: *3 user "fake" was not found in "/etc/htpasswd", client: 192.0.2.3, server: host.example.com, request: "GET / HTTP/2.0", host: "host.example.com""#
        )
        #expect(journal.logType == "web_error")
        #expect(journal["source.ip"] == "192.0.2.3")
        #expect(journal["http.version"] == "2.0")

        let handshake = Samples.normalize(
            "2020/11/25 14:42:16 [crit] 76952#76952: *2454307 SSL_do_handshake() failed (SSL: error:1408F0C6:SSL routines:ssl3_get_record:packet length too long) while SSL handshaking, client: 198.51.100.14, server: 0.0.0.0:443"
        )
        #expect(handshake["event.action"] == "tls-handshake-failed")
        #expect(handshake["source.ip"] == "198.51.100.14")
        #expect(handshake["log.level"] == "crit")
    }

    /// The client is the structural field; text inside the message or the request cannot move it.
    @Test func clientIsAnchored() {
        // fail2ban's injection fixture: the user name carries a whole forged context.
        let injected = Samples.normalize(
            #"2014/04/03 22:20:40 [error] 30708#0: *3 user "test": password mismatch, client: 127.0.0.1, server: test, request: "GET / HTTP/1.1", host: "localhost:8443"": was not found in "/etc/nginx/.htpasswd", client: 192.0.2.2, server: , request: "GET / HTTP/1.1", host: "localhost:8443""#
        )
        #expect(injected["source.ip"] == "192.0.2.2")
        #expect(injected["event.action"] == "auth-user-not-found")
        #expect(injected.normalized["log.flags"] == .array([.string("client_ambiguous")]))

        // A decoded path in the message forging the context with a referrer that would swallow the rest.
        let path = Samples.normalize(
            #"2024/03/14 10:00:00 [error] 1#1: *9 open() "/var/www/x, client: 10.0.0.1, server: s, referrer: "q" failed (2: No such file or directory), client: 203.0.113.5, server: s, request: "GET /x%22,%20client:%2010.0.0.1 HTTP/1.1", host: "s""#
        )
        #expect(path["source.ip"] == "203.0.113.5")
        #expect(path["event.action"] == "file-not-found")

        // A request URI that mentions a client, with nginx's unescaped spaces.
        for uri in ["/search?q=client: 1.2.3.4", "/a, client: 1.2.3.4, server: evil", "/a, client: 1.2.3.4"] {
            let event = Samples.normalize(
                "2024/03/14 10:00:00 [error] 1#1: *9 open() \"/var/www/a\" failed (2: No such file or directory), client: 198.51.100.9, server: www, request: \"GET \(uri) HTTP/1.1\", host: \"www\""
            )
            #expect(event["source.ip"] == "198.51.100.9", "\(uri)")
        }

        // Apache: the `[client …]` is one of the fields before the message, never inside it.
        let apache = Samples.normalize(
            "[Sat Jun 01 02:17:42 2013] [error] [client 192.168.33.1] File does not exist: /srv/http/site/[client 192.168.0.1] user root not found"
        )
        #expect(apache["source.ip"] == "192.168.33.1")
        #expect(apache["event.action"] == "file-not-found")
        #expect(apache["user.name"] == nil)
    }

    @Test func detectionAndExplicitTypes() {
        let line = "[Tue Jul 22 06:48:30 2008] [error] [client 198.51.100.86] File does not exist: /var/www/azenv.php"
        for tag in ["web", "nginx", "apache", "web_error", "apache_error"] {
            let event = Samples.normalize(line, logType: tag)
            #expect(event["event.dataset"] == "web_error", "\(tag)")
            #expect(event["event.action"] == "file-not-found", "\(tag)")
        }
        // Access lines stay `web`, even with error-log text in the URL.
        let access = Samples.normalize(
            #"192.0.2.4 - - [14/Mar/2026:10:40:12 +0000] "GET /[client%201.2.3.4]%20[error] HTTP/1.1" 404 153 "-" "curl/8""#
        )
        #expect(access["event.dataset"] == "web")
        #expect(access["source.ip"] == "192.0.2.4")
        let accessTagged = Samples.normalize(
            #"192.0.2.4 - - [14/Mar/2026:10:40:12 +0000] "GET / HTTP/1.1" 200 153 "-" "curl/8""#, logType: "nginx")
        #expect(accessTagged["event.dataset"] == "web")
    }

    /// Every line of fail2ban's Apache and nginx error fixtures is read as `web_error`, with the
    /// address fail2ban bans as `source.ip` and the annotated time.
    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func fail2banFixturesYieldTheBannedHostAndTime() throws {
        var checked = 0
        for file in [
            "fail2ban_apache-auth.log", "fail2ban_apache-botsearch.log", "fail2ban_apache-noscript.log",
            "fail2ban_apache-overflows.log", "fail2ban_apache-shellshock.log", "fail2ban_nginx-http-auth.log",
        ] {
            for (line, label) in try Self.annotated("web_error/" + file) {
                let event = Samples.normalize(line)
                #expect(event["event.dataset"] == "web_error", "\(file): \(line.prefix(100))")
                #expect(event["event.action"] != nil, "\(file): \(line.prefix(100))")
                if let host = label["host"] as? String {
                    #expect(event["source.ip"] == host, "\(file): \(line.prefix(100))")
                }
                if label["match"] as? Bool == true, let time = label["time"] as? String,
                    line.hasPrefix("[") || line.first?.isNumber == true
                {
                    let expected = try #require(ISO8601DateFormatter().date(from: time + "Z"))
                    #expect(event.ts.timeIntervalSince1970.rounded(.down) == expected.timeIntervalSince1970, "\(line)")
                }
                checked += 1
            }
        }
        #expect(checked == 108)
    }

    /// The log lines of a fail2ban fixture with the `# failJSON:` object before each.
    static func annotated(_ file: String) throws -> [(String, [String: Any])] {
        let text = String(decoding: try Samples.contents(file), as: UTF8.self)
        var result: [(String, [String: Any])] = []
        var label: [String: Any] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# failJSON:") {
                let json = Data(line.dropFirst("# failJSON:".count).utf8)
                label = try JSONSerialization.jsonObject(with: json) as? [String: Any] ?? [:]
            } else if !line.hasPrefix("#"), !line.trimmingCharacters(in: .whitespaces).isEmpty {
                result.append((String(line), label))
                label = [:]
            }
        }
        return result
    }
}
