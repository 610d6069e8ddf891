import ArgumentParser
import Foundation
import SIEMCore

/// Lines per second on one core through `NormalizerSet`, per sample file of ../shared/testdata,
/// and the share of lines a normalizer understood (an `event.action`, or the `event.code` of Windows
/// and CEF events); lines of other programs in a file (systemd-logind in auth.log) count as not
/// understood.
struct NormalizeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize", abstract: "Lines/s per core of each normalizer over the shared log samples.")

    @Option(help: "The shared testdata folder.") var testdata: String = "../shared/testdata"
    @Option(help: "Minimum seconds to spend on each file.") var seconds: Double = 1.0

    static let files: [(logType: String, path: String)] = [
        ("auth", "synthetic/auth.log"), ("auth", "linux_auth/fail2ban_sshd.log"),
        ("sudo", "synthetic/auth.log"),
        ("web", "synthetic/web-attacks.log"), ("web", "web_access/basjes_hackers-access_L1-2000.log"),
        ("firewall", "synthetic/ufw.log"),
        ("firewall", "firewall_iptables/elastic-integrations_iptables_test-iptables-raw.log"),
        ("dns", "synthetic/named-queries.log"), ("dns", "dns_bind/elastic-integrations_infoblox_nios_test-dns.log"),
        ("dhcp", "synthetic/dhcpd.log"), ("dhcp", "dhcp_isc/elastic-integrations_infoblox_nios_test-dhcp.log"),
        ("syslog", "synthetic/syslog-rfc5424.log"),
        ("cef", "cef/elastic-beats_cef_fp-ngfw-smc.log"),
        ("windows_security", "synthetic/windows-4625.ndjson"),
        ("windows_security", "windows_security/mordor_empire_wmic_add_user_backdoor_L151-800.json"),
    ]

    func run() async throws {
        let now = Date()
        let set = NormalizerSet()
        print("normalize: one core, release build, NormalizerSet with detection (no log_type sent)")
        print("file".padding(toLength: 74, withPad: " ", startingAt: 0) + "   lines    lines/s   µs/line  understood")
        var totalLines = 0
        var totalSeconds = 0.0
        for (logType, path) in Self.files {
            let url = URL(fileURLWithPath: testdata).appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ValidationError("cannot read \(url.path); pass --testdata")
            }
            var events: [Event] = []
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
                let text = String(line)
                if logType == "windows_security" {
                    guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
                    else { continue }
                    events.append(
                        Event(ts: now, receivedAt: now, source: "file", host: "bench", message: "", fields: fields))
                } else {
                    events.append(Event(ts: now, receivedAt: now, source: "file", host: "bench", message: text))
                }
            }
            if logType == "sudo" { events = events.filter { $0.message.contains(" sudo: ") } }
            var understood = 0
            for var event in events {
                set.normalize(&event)
                if event.normalized["event.action"] != nil || event.normalized["event.code"] != nil { understood += 1 }
            }
            var processed = 0
            let start = ContinuousClock.now
            var elapsed = 0.0
            repeat {
                for var event in events {
                    set.normalize(&event)
                    processed += 1
                }
                elapsed = (ContinuousClock.now - start).seconds
            } while elapsed < seconds
            totalLines += processed
            totalSeconds += elapsed
            let rate = Double(processed) / elapsed
            let share = events.isEmpty ? 0 : Double(understood) / Double(events.count) * 100
            print(
                "\(logType) \(path)".padding(toLength: 74, withPad: " ", startingAt: 0)
                    + String(format: " %7d %10.0f %9.2f %9.1f%%", events.count, rate, 1e6 / rate, share))
        }
        print(
            String(
                format: "all files: %.0f lines/s (%.2f µs/line)", Double(totalLines) / totalSeconds,
                totalSeconds / Double(totalLines) * 1e6))
    }
}
