import Foundation
import SIEMStore

/// The MITRE ATT&CK Enterprise matrix of a set of alerts, read from their rules' tags: tactics
/// (`attack.credential_access`, or Sigma's `attack.credential-access`) as columns in the
/// matrix's order, techniques (`attack.t1110`, `attack.t1110.001`) under them with alert counts.
/// An alert counts under every tactic and technique pair its tags make; its techniques go in the
/// `unmapped` column when it names no tactic.
struct AttackMatrix: Sendable, Hashable {
    struct Technique: Sendable, Hashable {
        /// `T1110` or `T1110.001`.
        var id: String
        /// The tag that selects its alerts (`attack.t1110`).
        var tag: String
        var alerts: Int
    }

    struct Tactic: Sendable, Hashable {
        /// `credential_access`, or `unmapped`.
        var id: String
        /// `TA0006`; nil for `unmapped`.
        var attackID: String?
        var name: String
        /// Alerts that name the tactic (with a technique or not).
        var alerts: Int
        /// Most alerts first.
        var techniques: [Technique]
    }

    /// The 14 Enterprise tactics, in the matrix's order, with their ATT&CK ids.
    static let enterpriseTactics: [(id: String, attackID: String)] = [
        ("reconnaissance", "TA0043"), ("resource_development", "TA0042"), ("initial_access", "TA0001"),
        ("execution", "TA0002"), ("persistence", "TA0003"), ("privilege_escalation", "TA0004"),
        ("defense_evasion", "TA0005"), ("credential_access", "TA0006"), ("discovery", "TA0007"),
        ("lateral_movement", "TA0008"), ("collection", "TA0009"), ("command_and_control", "TA0011"),
        ("exfiltration", "TA0010"), ("impact", "TA0040"),
    ]
    static let unmapped = "unmapped"

    /// Every tactic column (the empty ones too), then `unmapped`.
    var tactics: [Tactic]
    /// Alerts with at least one tactic or technique tag.
    var alerts: Int

    init(_ sets: [AlertTagSet]) {
        let known = Set(Self.enterpriseTactics.map(\.id))
        var tacticAlerts: [String: Int] = [:]
        var pairs: [String: [String: Int]] = [:]
        var total = 0
        for set in sets {
            var tactics: [String] = []
            var techniques: [String] = []
            for tag in set.tags {
                guard tag.hasPrefix("attack.") else { continue }
                let name = tag.dropFirst("attack.".count).replacingOccurrences(of: "-", with: "_")
                if known.contains(name) {
                    if !tactics.contains(name) { tactics.append(name) }
                } else if let technique = Self.technique(name), !techniques.contains(technique) {
                    techniques.append(technique)
                }
            }
            guard !tactics.isEmpty || !techniques.isEmpty else { continue }
            total += set.alerts
            for tactic in tactics.isEmpty ? [Self.unmapped] : tactics { tacticAlerts[tactic, default: 0] += set.alerts }
            for technique in techniques {
                for tactic in tactics.isEmpty ? [Self.unmapped] : tactics {
                    pairs[tactic, default: [:]][technique, default: 0] += set.alerts
                }
            }
        }
        let columns = Self.enterpriseTactics.map { ($0.id, Optional($0.attackID)) } + [(Self.unmapped, nil)]
        tactics = columns.map { id, attackID in
            let techniques = (pairs[id] ?? [:]).map { technique, alerts in
                Technique(id: technique.uppercased(), tag: "attack.\(technique)", alerts: alerts)
            }
            return Tactic(
                id: id, attackID: attackID, name: Self.displayName(id), alerts: tacticAlerts[id] ?? 0,
                techniques: techniques.sorted { ($0.alerts, $1.id) > ($1.alerts, $0.id) })
        }
        alerts = total
    }

    /// `t1110` or `t1110.001` (lowercased) when `name` is a technique id.
    static func technique(_ name: String) -> String? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let base = parts.first, base.count == 5, base.first == "t",
            base.dropFirst().allSatisfy(Self.isDigit)
        else { return nil }
        if parts.count == 2 {
            guard parts[1].count == 3, parts[1].allSatisfy(Self.isDigit) else { return nil }
        }
        return name
    }

    static func isDigit(_ character: Character) -> Bool { ("0"..."9").contains(character) }

    /// `command_and_control` → `Command and Control`.
    static func displayName(_ id: String) -> String {
        id.split(separator: "_").map { word in
            ["and", "of"].contains(word) ? String(word) : word.prefix(1).uppercased() + word.dropFirst()
        }.joined(separator: " ")
    }
}
