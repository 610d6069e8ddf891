import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

@Suite struct NormalizerSetTests {
    @Test func explicitLogTypeWinsAndDetectionFillsTheRest() {
        let line = "Mar 14 10:00:00 host sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2"
        let detected = Samples.normalize(line)
        #expect(detected.logType == "auth")
        #expect(detected["event.dataset"] == "auth")
        // A named type that understands the line is used as named.
        let dhcpLine = "DHCPACK on 10.0.0.9 to 00:00:5e:00:53:09 via eth0"
        let named = Samples.normalize(dhcpLine, logType: "dhcp")
        #expect(named.logType == "dhcp")
        #expect(named["client.ip"] == "10.0.0.9")
        // A wrong tag keeps its name, and detection still understands the line.
        let mislabelled = Samples.normalize(line, logType: "web")
        #expect(mislabelled.logType == "web")
        #expect(mislabelled["event.dataset"] == "auth")
        #expect(mislabelled["user.name"] == "root")
        // The program in fields names the source of a bare message.
        var event = Event(
            ts: Samples.receivedAt, receivedAt: Samples.receivedAt, source: "syslog", host: "h",
            message: "alice : TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/bash",
            fields: ["program": .string("sudo")])
        NormalizerSet().normalize(&event)
        #expect(event["event.dataset"] == "sudo")
        #expect(event["user.target.name"] == "root")
    }

    @Test func unknownLinesAreKeptRaw() {
        let line = "the quick brown fox"
        let event = Samples.normalize(line)
        #expect(event.message == line)
        #expect(event.normalized.isEmpty)
        #expect(event.logType == nil)
        #expect(event.ts == Samples.receivedAt)
        let syslog = Samples.normalize("<13>Mar 14 10:00:00 host myapp[9]: something happened")
        #expect(syslog["event.dataset"] == "syslog")
        #expect(syslog["process.name"] == "myapp")
        #expect(syslog["event.action"] == nil)
    }

    /// Truncated, huge, NUL-laden and mis-encoded input never crashes, keeps the message whole
    /// and is flagged.
    @Test func hostileInput() throws {
        let base = "Mar 14 10:00:00 host sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2"
        let huge = base + String(repeating: "A", count: 1 << 20)
        let event = Samples.normalize(huge)
        #expect(event.message == huge)
        #expect(event["event.original_truncated"] == "true")
        #expect(event.normalized["log.flags"] == .array([.string("truncated")]))
        #expect(event["source.ip"] == "192.0.2.1")

        let nul = Samples.normalize(
            "Mar 14 10:00:00 host sshd[1]: Failed password for ro\0ot from 192.0.2.1 port 22 ssh2")
        #expect(nul.message.contains("\0"))
        #expect(nul.normalized["log.flags"] == .array([.string("nul_bytes")]))
        #expect(nul["user.name"] == "root")

        let invalid = String(decoding: Array(base.utf8) + [0xFF, 0xFE], as: UTF8.self)
        let mangled = Samples.normalize(invalid)
        #expect(mangled.normalized["log.flags"] == .array([.string("invalid_utf8")]))
        #expect(mangled.message == invalid)

        let dangling = Samples.normalize(#"CEF:0|V|P|1|2|N|5|src=10.0.0.1 msg=oops\"#)
        #expect(dangling.normalized["log.flags"] == .array([.string("cef_dangling_escape")]))
        #expect(dangling["source.ip"] == "10.0.0.1")
        let header = Samples.normalize("CEF:0|V|P|1")
        #expect(header.normalized["log.flags"] == .array([.string("cef_truncated_header")]))

        let brokenSD = Samples.normalize(#"<13>1 2026-03-14T10:00:00Z h app - - [x@1 a="unterminated"#)
        #expect(brokenSD.normalized["log.flags"] == .array([.string("syslog_structured_data_unterminated")]))
    }

    /// Every sample line cut at every eighth of its length is still normalized without a crash
    /// and keeps its text.
    @Test func truncatedSampleLines() throws {
        let checked = try checkTruncations([
            "synthetic/auth.log", "synthetic/ufw.log", "synthetic/named-queries.log", "synthetic/dhcpd.log",
            "synthetic/web-attacks.log", "synthetic/syslog-rfc5424.log",
        ])
        #expect(checked > 1000)
    }

    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func truncatedSharedSampleLines() throws {
        let checked = try checkTruncations(["cef/elastic-beats_cef_checkpoint.log"])
        #expect(checked > 0)
    }

    /// How many cut lines were checked.
    func checkTruncations(_ files: [String]) throws -> Int {
        var checked = 0
        for file in files {
            for line in try Samples.lines(file).prefix(150) {
                let bytes = Array(line.utf8)
                for eighth in 1..<8 {
                    let cut = String(decoding: bytes[..<(bytes.count * eighth / 8)], as: UTF8.self)
                    let event = Samples.normalize(cut)
                    #expect(event.message == cut)
                    checked += 1
                }
            }
        }
        return checked
    }
}
