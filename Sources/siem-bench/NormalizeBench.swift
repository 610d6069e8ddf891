import ArgumentParser
import Foundation
import SIEMCore

/// Lines per second on one core (thread CPU time) through `NormalizerSet`, per sample file of
/// ../shared/testdata, and the share of lines a normalizer understood (an `event.action`, or the
/// `event.code` of Windows and CEF events); lines of other programs in a file (systemd-logind in
/// auth.log) count as not understood. Each row names the normalizer its file is for and the
/// `event.dataset` most of its lines got; a second table sums the rows per normalizer. The cost
/// includes what every line pays: detection, the syslog header, `event.dataset` and host attribution.
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
        print("normalize: one core (thread CPU time), NormalizerSet with detection (no log_type sent)")
        print(
            "normalizer  file".padding(toLength: 78, withPad: " ", startingAt: 0)
                + "   lines    lines/s   µs/line  understood  dataset")
        var totals: [(normalizer: String, lines: Int, seconds: Double)] = []
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
            var datasets: [String: Int] = [:]
            for var event in events {
                set.normalize(&event)
                if event.normalized["event.action"] != nil || event.normalized["event.code"] != nil { understood += 1 }
                datasets[event.normalized["event.dataset"]?.stringValue ?? "-", default: 0] += 1
            }
            let dataset = datasets.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? "-"
            var processed = 0
            let start = ThreadCPUClock.now
            var elapsed = 0.0
            repeat {
                for var event in events {
                    set.normalize(&event)
                    processed += 1
                }
                elapsed = ThreadCPUClock.now - start
            } while elapsed < seconds
            if let row = totals.firstIndex(where: { $0.normalizer == logType }) {
                totals[row].lines += processed
                totals[row].seconds += elapsed
            } else {
                totals.append((logType, processed, elapsed))
            }
            let rate = Double(processed) / elapsed
            let share = events.isEmpty ? 0 : Double(understood) / Double(events.count) * 100
            print(
                "\(logType.padding(toLength: 11, withPad: " ", startingAt: 0)) \(path)".padding(
                    toLength: 78, withPad: " ", startingAt: 0)
                    + String(format: " %7d %10.0f %9.2f %9.1f%%  ", events.count, rate, 1e6 / rate, share) + dataset)
        }
        print("per normalizer (all its files):")
        for total in totals {
            let rate = Double(total.lines) / total.seconds
            print(
                "  " + total.normalizer.padding(toLength: 18, withPad: " ", startingAt: 0)
                    + String(format: "%10.0f lines/s %9.2f µs/line", rate, 1e6 / rate))
        }
        let lines = totals.reduce(0) { $0 + $1.lines }
        let seconds = totals.reduce(0) { $0 + $1.seconds }
        print(
            String(
                format: "all files: %.0f lines/s (%.2f µs/line)", Double(lines) / seconds, seconds / Double(lines) * 1e6
            ))
    }
}
