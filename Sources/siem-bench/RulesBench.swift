import ArgumentParser
import Foundation
import SIEMCore
import SIEMEngine
import SIEMRules

/// Rule evaluation alone, on one core: the default rules and a large generated set; then, when the
/// shared testdata is there, Sigma: how fast the SigmaHQ rules load, and events/s with the default
/// rules, the shipped snapshot and all SigmaHQ rules (with the shipped configuration, and with
/// logsources ignored) over the synthetic day and the events generated from the SigmaHQ rules.
struct RulesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Rule evaluation events/s per core (default rules, N generated rules, Sigma rule sets).")

    @Option(help: "Events to evaluate.") var events: Int = 100_000
    @Option(help: "Generated rules for the large set.") var generated: Int = 1000
    @Option(help: "Rules file or folder.") var rules: String = "rules/default.yml"
    @Option(help: "The shared testdata folder (SigmaHQ rules, synthetic day, generated events).")
    var testdata: String = "../shared/testdata"
    @Option(help: "The Sigma configuration.") var sigmaConfig: String = "rules/sigma/config.yml"
    @Option(help: "The shipped SigmaHQ snapshot.") var snapshot: String = "rules/sigma/sigmahq"
    @Option(help: "Minimum CPU seconds per Sigma measurement.") var seconds: Double = 2.0
    @Option(help: "Name the N costliest rules of each Sigma rule set and corpus.") var profile: Int = 0

    func run() async throws {
        let samples = SampleEvents.make(count: events).map { event -> Event in
            var event = event
            event.ips = event.extractedIPs()
            return event
        }
        let defaults = try RuleFiles.load(path: rules)
        let large = RuleSet(rules: defaults.rules + (try RuleLoader.parse(yaml: Self.generatedRules(generated))))
        for (name, set) in [
            ("default (\(defaults.rules.count) rules)", defaults), ("\(large.rules.count) rules", large),
        ] {
            let now = Date()
            var alerts = 0
            let start = ThreadCPUClock.now
            for event in samples { alerts += set.evaluate(event, at: now).count }
            let seconds = ThreadCPUClock.now - start
            print(
                "rules \(name): \(Int(Double(samples.count) / seconds)) events/s per core (\(alerts) alerts)")
        }
        let sigmaRules = (testdata as NSString).appendingPathComponent("sigma/rules")
        guard FileManager.default.fileExists(atPath: sigmaRules) else {
            print("sigma: skipped, no SigmaHQ rules at \(sigmaRules) (pass --testdata)")
            return
        }
        try SigmaRulesBench(
            defaults: defaults, sigmaRules: sigmaRules, testdata: testdata, configPath: sigmaConfig,
            snapshot: snapshot, seconds: seconds, profile: profile
        ).run()
    }

    /// Rules shaped like real ones: field equality, substring lists, regexes with and without literals.
    static func generatedRules(_ count: Int) -> String {
        var yaml = "rules:\n"
        for index in 0..<count {
            yaml += "  - id: generated_\(index)\n    severity: low\n    match:\n"
            switch index % 4 {
            case 0:
                yaml += "      all:\n        - {field: fields.program, equals: prog\(index)}\n"
                yaml += "        - {contains: token\(index)}\n"
            case 1:
                yaml += "      {contains: [\"needle-\(index)-a\", \"needle-\(index)-b\"], ignore_case: true}\n"
            case 2:
                yaml += "      {regex: 'user(name)?=attacker\(index)\\b'}\n"
            default:
                yaml += "      {field: host, equals: [\"rare-host-\(index)\", \"other-\(index)\"]}\n"
            }
        }
        return yaml
    }
}
