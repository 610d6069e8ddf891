import Foundation
import SIEMTestSupport
import Testing

/// The default rules measured on fail2ban's labelled fixtures: a line is detected when any rule
/// fires on it, and fail2ban's `match` is the truth. Prints a per-file table; `SIEM_RULES_FILE`
/// measures another rules file, `SIEM_QUALITY_VERBOSE=1` lists every miss and false alarm.
@Suite struct Fail2banQualityTests {
    /// Lines left out of the measurement: fail2ban's label there depends on state or on a filter
    /// mode, not on the line. `text` is a substring of the line, `match` the label left out.
    struct Exclusion {
        var file: String
        var text: String
        var match: Bool
        var reason: String
    }

    static let exclusions: [Exclusion] = [
        // fail2ban carries state between lines; these labels are about the lines around them.
        Exclusion(
            file: sshd, text: "sshd[8148]: Disconnecting: Too many authentication failures", match: false,
            reason:
                "multi-line: fail2ban waits for the next line of the pid for the address; the line is the attempt limit"
        ),
        Exclusion(
            file: sshd, text: "sshd[9148]: Disconnecting: Too many authentication failures", match: false,
            reason: "multi-line: as above, and no later line of that pid follows"),
        Exclusion(
            file: sshd, text: "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=sudoer",
            match: true,
            reason: "stateful: true as the second user tried in one connection; sshd's own line reports each attempt"),
        Exclusion(
            file: sshd, text: "Accepted password for known from 192.0.2.114", match: true,
            reason: "stateful: a success after failures of other users in the same connection"),
        Exclusion(
            file: sshd, text: "Accepted password for known from 192.0.2.116", match: true,
            reason: "stateful: a success after failures of other users in the same connection"),
        Exclusion(
            file: sshd, text: "Connection closed by 192.0.2.15 port 35352", match: true,
            reason: "multi-line: gives the address of the kex_exchange_identification failure before it"),
        Exclusion(
            file: sshd, text: "sshd[424228]: error: kex_exchange_identification: Connection closed by remote host",
            match: false,
            reason: "multi-line: fail2ban defers it to the next line for the address; the same text is true at 17:40:18"
        ),
        // The same line, labelled for fail2ban's normal mode and then for its aggressive mode.
        Exclusion(
            file: sshd, text: "Connection closed by 192.0.2.111 [preauth]", match: false,
            reason: "normal-mode label (constraint mode != aggressive); aggressive mode labels the same line true"),
        Exclusion(
            file: sshd, text: "Disconnected from authenticating user admin 192.0.2.6 port 33553 [preauth]",
            match: false,
            reason: "normal-mode label; extra and aggressive modes label the same message true (16:47:51)"),
        Exclusion(
            file: "web_error/fail2ban_apache-auth.log", text: "[evasive20:error]", match: false,
            reason: "normal-mode label (mod_evasive ignored); aggressive mode labels the same line true"),
        // Labels of one filter that another filter contradicts.
        Exclusion(
            file: "web_error/fail2ban_apache-botsearch.log",
            text: "client denied by server configuration: /var/www/webmail/.htaccess", match: false,
            reason: "not a bot search, but apache-auth bans this message (labelled true there)"),
        Exclusion(
            file: "web_error/fail2ban_apache-botsearch.log", text: "script '/var/www/forum/mail.php' not found",
            match: false,
            reason: "not on botsearch's list, but apache-noscript bans every missing script (labelled true there)"),
        Exclusion(
            file: "linux_auth/fail2ban_pam-generic.log", text: "webmail pop(pam_unix)[4920]: authentication failure",
            match: false,
            reason: "fail2ban dropped this pre-0.99.2 linux-pam layout; the line is an authentication failure"),
    ]

    static let sshd = "linux_auth/fail2ban_sshd.log"

    struct Counts {
        var lines = 0
        var positives = 0
        var truePositives = 0
        var falsePositives = 0
        var excluded = 0

        var falseNegatives: Int { positives - truePositives }
        var recall: Double { positives == 0 ? 1 : Double(truePositives) / Double(positives) }
        var precision: Double {
            truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives)
        }

        static func += (total: inout Counts, file: Counts) {
            total.lines += file.lines
            total.positives += file.positives
            total.truePositives += file.truePositives
            total.falsePositives += file.falsePositives
            total.excluded += file.excluded
        }
    }

    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func recallAndPrecisionOnFail2banFixtures() throws {
        let (path, rules) = try DefaultRules.measured()
        let replay = LineReplay(rules: rules)
        let verbose = ProcessInfo.processInfo.environment["SIEM_QUALITY_VERBOSE"].map { !$0.isEmpty } ?? false
        var used = [Bool](repeating: false, count: Self.exclusions.count)
        var rows: [(String, Counts)] = []
        var total = Counts()
        var report: [String] = []
        for file in Fail2banFixtures.files {
            var counts = Counts()
            for line in try Fail2banFixtures.lines(of: file) {
                if let index = Self.exclusions.firstIndex(where: {
                    $0.file == file && $0.match == line.match && line.text.contains($0.text)
                }) {
                    used[index] = true
                    counts.excluded += 1
                    continue
                }
                let fired = try replay.ruleIDs(line.text)
                counts.lines += 1
                if line.match { counts.positives += 1 }
                switch (line.match, !fired.isEmpty) {
                case (true, true): counts.truePositives += 1
                case (false, true): counts.falsePositives += 1
                default: break
                }
                if verbose, line.match || !fired.isEmpty {
                    let verdict = line.match ? (fired.isEmpty ? "FN" : "TP") : "FP"
                    report.append(
                        "\(verdict) \(file):\(line.number) [\(fired.joined(separator: ","))] "
                            + "{\(replay.normalized(line.text))} \(line.text.prefix(160))")
                }
            }
            rows.append((file, counts))
            total += counts
        }
        print(Self.table(rows, total: total, rules: path))
        if verbose { print(report.joined(separator: "\n")) }
        for (index, exclusion) in Self.exclusions.enumerated() where !used[index] {
            Issue.record("exclusion matches no line: \(exclusion.file): \(exclusion.text)")
        }
        #expect(total.recall >= 0.9, "recall \(total.recall)")
        #expect(total.precision >= 0.95, "precision \(total.precision)")
    }

    static func table(_ rows: [(String, Counts)], total: Counts, rules: String) -> String {
        func format(_ value: Double) -> String { String(format: "%.2f", value) }
        var lines = [
            "fail2ban fixtures, rules \(rules)",
            "| file | lines | match:true | TP | FP | FN | recall | precision | excluded |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for (file, counts) in rows + [("total", total)] {
            let cells = [
                counts.lines, counts.positives, counts.truePositives, counts.falsePositives, counts.falseNegatives,
            ].map(String.init)
            lines.append(
                "| \(file) | \(cells.joined(separator: " | ")) | \(format(counts.recall)) | "
                    + "\(format(counts.precision)) | \(counts.excluded) |")
        }
        return lines.joined(separator: "\n")
    }
}
