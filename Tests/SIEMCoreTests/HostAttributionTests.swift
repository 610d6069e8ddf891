import Foundation
import Testing

@testable import SIEMCore

/// The host is the machine that wrote the log; the machine that shipped it is `agent.hostname`.
@Suite struct HostAttributionTests {
    static func normalized(
        _ message: String, host: String = "collector", fields: [String: JSONValue] = [:], logType: String? = nil
    ) -> Event {
        var event = Event(
            ts: Samples.receivedAt, receivedAt: Samples.receivedAt, source: "syslog", host: host, message: message,
            fields: fields, logType: logType)
        NormalizerSet().normalize(&event)
        return event
    }

    @Test func syslogHeaderHostWinsAndTheShipperIsKept() {
        let event = Self.normalized(
            "Mar 14 10:00:00 bastion sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2")
        #expect(event.host == "bastion")
        #expect(event["agent.hostname"] == "collector")
        // RFC 5424 too.
        let rfc5424 = Self.normalized("<34>1 2026-03-14T10:00:00Z db-7 app 42 ID1 - started")
        #expect(rfc5424.host == "db-7")
        #expect(rfc5424["agent.hostname"] == "collector")
    }

    @Test func aLineWithoutAHostKeepsTheSentHost() {
        let event = Self.normalized("GET /index.html 200")
        #expect(event.host == "collector")
        #expect(event["agent.hostname"] == nil)
        // The same host in another case is not a different machine.
        let same = Self.normalized("Mar 14 10:00:00 Collector cron[2]: job done")
        #expect(same.host == "collector")
        #expect(same["agent.hostname"] == nil)
    }

    @Test func windowsComputerAndCEFDeviceHost() {
        let windows = Self.normalized(
            "An account failed to log on.",
            fields: ["EventID": .int(4625), "Computer": .string("DC01.corp.example"), "TargetUserName": .string("bob")])
        #expect(windows.host == "DC01.corp.example")
        #expect(windows["agent.hostname"] == "collector")
        let cef = Self.normalized(
            "CEF:0|Vendor|FW|1.0|100|Blocked|5|src=10.0.0.1 dst=10.0.0.2 dvchost=fw-edge-1")
        #expect(cef.host == "fw-edge-1")
        #expect(cef["agent.hostname"] == "collector")
    }

    @Test func ecsAgentHostnameSentByTheShipperIsKept() {
        // Beats and `siem-agent tail` (JSON lines) name the shipper as ECS `agent.hostname`.
        let event = Self.normalized(
            "user logged in", host: "app-3", fields: ["agent": .object(["hostname": .string("filebeat-1")])])
        #expect(event.host == "app-3")
        #expect(event["agent.hostname"] == "filebeat-1")
        let unknown = Self.normalized("Mar 14 10:00:00 bastion cron[2]: job done", host: "unknown")
        #expect(unknown.host == "bastion")
        #expect(unknown["agent.hostname"] == nil)
    }
}
