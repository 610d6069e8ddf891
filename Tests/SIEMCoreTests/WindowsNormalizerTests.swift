import Foundation
import SIEMTestSupport
import Testing

@testable import SIEMCore

@Suite struct WindowsNormalizerTests {
    @Test func failedLogon() throws {
        let event = try Samples.normalize(
            json:
                #"{"EventID":4625,"TimeCreated":"2026-03-14T07:53:38.1739896Z","Computer":"WS02.corp.example.com","Channel":"Security","ProviderName":"Microsoft-Windows-Security-Auditing","EventRecordID":218939,"SubjectUserName":"WS02$","SubjectDomainName":"CORP","TargetUserName":"bob","TargetDomainName":"CORP","Status":"0xc000006d","SubStatus":"0xc000006a","LogonType":"10","WorkstationName":"WS02","ProcessId":"0x10fc","ProcessName":"C:\\Windows\\System32\\winlogon.exe","IpAddress":"203.0.113.99","IpPort":"0"}"#
        )
        #expect(event.logType == "windows_security")
        #expect(event["event.code"] == "4625")
        #expect(event["event.category"] == "authentication")
        #expect(event["event.action"] == "logon-failed")
        #expect(event["event.outcome"] == "failure")
        #expect(event["event.reason"] == "bad password")
        #expect(event["user.name"] == "bob")
        #expect(event["user.domain"] == "CORP")
        #expect(event["source.ip"] == "203.0.113.99")
        #expect(event["source.port"] == nil)
        #expect(event["winlog.logon.type"] == "RemoteInteractive")
        #expect(event["host.hostname"] == "WS02.corp.example.com")
        #expect(event["process.name"] == "winlogon.exe")
        #expect(event["process.pid"] == "4348")
        #expect(abs(event.ts.timeIntervalSince1970 - 1_773_474_818.1739896) < 0.0001)
    }

    @Test func bruteForceMatchesGroundTruth() throws {
        let events = try Samples.lines("synthetic/windows-4625.ndjson").map { try Samples.normalize(json: $0) }
        let kinds = try Samples.kinds("windows-4625.ndjson")
        for (kind, count) in kinds {
            let code = String(kind.dropFirst("event_".count))
            #expect(events.filter { $0["event.code"] == code }.count == count, "event \(code)")
        }
        let failures = coverage(
            events, of: { $0["event.code"] == "4625" },
            keys: ["user.name", "source.ip", "winlog.logon.type", "event.reason"]
        ) { $0["event.outcome"] == "failure" }
        #expect(failures.covered == failures.total, "missed: \(failures.missed)")
        let rdp = events.filter { $0["event.code"] == "4625" && $0["source.ip"] == "203.0.113.99" }
        #expect(rdp.count == 85)
        #expect(rdp.allSatisfy { $0["winlog.logon.type"] == "RemoteInteractive" })
        let processes = coverage(
            events, of: { $0["event.code"] == "4688" },
            keys: ["process.executable", "process.command_line", "user.name"])
        #expect(processes.covered == processes.total, "missed: \(processes.missed)")
        let scripts = events.filter { $0["event.code"] == "4104" }
        #expect(scripts.allSatisfy { $0.logType == "powershell" && $0["powershell.file.script_block_text"] != nil })
        let groups = events.filter { $0["event.code"] == "4732" }
        #expect(groups.contains { $0["group.name"] == "Administrators" && $0["user.name"] == "helpdesk" })
        let services = events.filter { $0["event.code"] == "7045" }
        #expect(services.allSatisfy { $0["service.name"] != nil && $0["process.command_line"] != nil })
    }

    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func mordorDatasets() throws {
        let lsass = try Samples.lines("windows_security/mordor_psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json")
            .map { try Samples.normalize(json: $0) }
        #expect(
            lsass.allSatisfy { $0["event.code"] != nil && $0["host.hostname"] != nil && $0.ts != Samples.receivedAt })
        let dump = lsass.filter {
            $0["event.code"] == "4688" && ($0["process.command_line"]?.contains("MiniDump") ?? false)
        }
        #expect(!dump.isEmpty)
        #expect(dump.allSatisfy { $0["process.name"] == "rundll32.exe" && $0["user.name"] == "wardog" })
        #expect(lsass.contains { $0["event.code"] == "1102" && $0["event.action"] == "audit-log-cleared" })

        let psexec = try Samples.lines("windows_security/mordor_empire_psexec_dcerpc_tcp_svcctl_L1001-1300.json")
            .map { try Samples.normalize(json: $0) }
        let installs = psexec.filter { $0["event.action"] == "service-installed" }
        #expect(!installs.isEmpty)
        #expect(
            installs.allSatisfy {
                $0["service.name"] == "Updater" && ($0["process.command_line"]?.contains("-enc") ?? false)
            })
        let pipelines = psexec.filter { $0.logType == "powershell" }
        #expect(!pipelines.isEmpty)
        #expect(pipelines.filter { $0["process.command_line"] != nil }.count * 2 >= pipelines.count)

        let wmic = try Samples.lines("windows_security/mordor_empire_wmic_add_user_backdoor_L151-800.json")
            .map { try Samples.normalize(json: $0) }
        #expect(wmic.contains { $0["event.code"] == "4720" && $0["user.target.name"] == "backdoor" })
        #expect(
            wmic.contains {
                $0["event.code"] == "4624" && $0["source.ip"] == "172.18.39.5" && $0["user.name"] == "pgustavo"
            })
        let logons = coverage(
            wmic + psexec + lsass, of: { $0["event.code"] == "4624" }, keys: ["user.name", "winlog.logon.type"])
        #expect(logons.covered == logons.total, "missed: \(logons.missed)")
    }
}

@Suite struct CEFNormalizerTests {
    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func checkPointAndForcepoint() throws {
        let lines = try Samples.lines("cef/elastic-beats_cef_checkpoint.log")
        let accept = Samples.normalize(lines[0])
        #expect(accept.logType == "cef")
        #expect(accept["observer.vendor"] == "Check Point")
        #expect(accept["observer.product"] == "VPN-1 & FireWall-1")
        #expect(accept["event.action"] == "accept")
        #expect(accept["source.ip"] == "192.168.101.100")
        #expect(accept["destination.ip"] == "52.173.84.157")
        #expect(accept["destination.port"] == "443")
        #expect(accept["network.transport"] == "tcp")
        #expect(accept["cef.extensions.originsicname"] == "CN=R80,O=R80_M..6u6bdo")
        #expect(accept["cef.extensions.cs2Label"] == "Rule Name")
        #expect(accept["cef.extensions.product"] == "VPN-1 & FireWall-1")
        #expect(accept.ts == Date(timeIntervalSince1970: 1_543_270_652))

        let drop = Samples.normalize(lines[2])
        #expect(drop["event.action"] == "drop")
        #expect(drop["source.ip"] == "fd00::555")
        #expect(drop["destination.ip"] == "::1")
        #expect(drop["file.hash.md5"] == "580a783c1cb2b20613323f715d231a69")

        let forcepoint = try Samples.events("cef/elastic-beats_cef_fp-ngfw-smc.log")
        #expect(forcepoint.count == 10)
        #expect(forcepoint.allSatisfy { $0["observer.vendor"] == "FORCEPOINT" && $0["event.code"] != nil })
        #expect(forcepoint.contains { $0["cef.name"] == "Connection_Closed" && $0["user.name"] == "alice" })
        let allowed = try #require(forcepoint.first { $0["cef.name"] == "Connection_Allowed" })
        #expect(allowed["event.reason"] == "Referred connection: 10.1.1.40 -> 10.37.133.35 frag=0x4000 TCP 47413->3020")
        #expect(allowed.ts == Date(timeIntervalSince1970: 1_579_251_129))  // Jan 17 2020 08:52:09 UTC
    }

    @Test func cefInsideSyslogAndEscapes() {
        let event = Samples.normalize(
            #"<134>Mar 14 10:00:00 fw named[1]: CEF:0|Ven\|dor|Prod|1.0|100|Bad \\ thing|High|src=10.0.0.1 suser=a b msg=x\=y\\z\nw dst=10.0.0.2"#
        )
        #expect(event["observer.vendor"] == "Ven|dor")
        #expect(event["cef.name"] == #"Bad \ thing"#)
        #expect(event["event.severity"] == "8")
        #expect(event["user.name"] == "a b")
        #expect(event["event.reason"] == "x=y\\z\nw")
        #expect(event["destination.ip"] == "10.0.0.2")
        #expect(event["host.hostname"] == "fw")
    }
}
