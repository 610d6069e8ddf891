import ArgumentParser
import Foundation
import SIEMCore
import SIEMRules

/// The Sigma part of `siem-bench rules`: SigmaHQ rules loaded per second, then rule evaluation
/// events/s per core for four rule sets over two corpora, as a table with ratios to the default set.
struct SigmaRulesBench {
    var defaults: RuleSet
    var sigmaRules: String
    var testdata: String
    var configPath: String
    var snapshot: String
    var seconds: Double
    /// How many of the costliest rules to name per rule set and corpus (0: none).
    var profile: Int

    func run() throws {
        guard
            let configText = FileManager.default.contents(atPath: configPath).map({
                String(decoding: $0, as: UTF8.self)
            })
        else { throw ValidationError("cannot read the Sigma configuration \(configPath); pass --sigma-config") }
        let config = try SigmaConfig.parse(yaml: configText, file: configPath)
        let everything = SigmaBenchData.ruleFiles(under: sigmaRules)
        let shipped = SigmaBenchData.ruleFiles(under: snapshot)

        // Loading: compose and compile every SigmaHQ rule file (the loading cost of siemd's start
        // and of each reload), three times, the fastest kept.
        var load = SigmaBenchData.compile(everything, config: config, ignoreLogsource: false)
        for _ in 0..<2 {
            let again = SigmaBenchData.compile(everything, config: config, ignoreLogsource: false)
            if again.composeSeconds + again.compileSeconds < load.composeSeconds + load.compileSeconds { load = again }
        }
        let total = load.composeSeconds + load.compileSeconds
        print(
            "sigma load: \(load.files) SigmaHQ files → \(load.rules.count) rules (\(load.skipped) skipped, "
                + "\(load.noEvent) for no log source siemd maps): "
                + String(
                    format: "%.0f files/s per core (YAML compose %.0f ms, compile %.0f ms)", Double(load.files) / total,
                    load.composeSeconds * 1000, load.compileSeconds * 1000))

        let snapshotRules = SigmaBenchData.compile(shipped, config: config, ignoreLogsource: false)
        let ignoring = SigmaBenchData.compile(everything, config: config, ignoreLogsource: true)
        let sets: [(name: String, set: RuleSet)] = [
            ("(a) rules/default.yml", defaults),
            ("(b) default + shipped snapshot, shipped config", RuleSet(rules: defaults.rules + snapshotRules.rules)),
            ("(c) all SigmaHQ, shipped config", RuleSet(rules: load.rules)),
            ("(d) all SigmaHQ, logsource ignored", RuleSet(rules: ignoring.rules)),
        ]
        let corpora: [(name: String, events: [Event])] = [
            ("synthetic day", SigmaBenchData.syntheticDay(testdata)),
            ("generated Sigma", SigmaBenchData.generatedSigma(testdata)),
        ]
        print(
            "sigma evaluation: one core, release build, events normalized beforehand; \(shipped.count) snapshot files,"
                + " \(corpora.map { "\($0.events.count) \($0.name) events" }.joined(separator: ", "))")
        var header = "| rule set | rules |"
        var rule = "| --- | ---: |"
        for corpus in corpora {
            header += " \(corpus.name) events/s | ratio | alerts |"
            rule += " ---: | ---: | ---: |"
        }
        print(header)
        print(rule)
        var baseline: [Double] = []
        for (name, set) in sets {
            let active = set.rules.filter { if case .noEvent = $0.scope { false } else { true } }.count
            var row = "| \(name) | \(active) |"
            for (index, corpus) in corpora.enumerated() {
                let (rate, alerts) = measure(set, corpus.events)
                if baseline.count <= index { baseline.append(rate) }
                row += String(format: " %.0f | %.2fx | %d |", rate, rate / baseline[index], alerts)
            }
            print(row)
        }
        guard profile > 0 else { return }
        for (name, set) in sets.dropFirst() {
            for corpus in corpora { printCostliest(set, corpus.events, title: "\(name), \(corpus.name)") }
        }
    }

    /// The `profile` rules that took the most time over one pass of `events`, each timed.
    private func printCostliest(_ set: RuleSet, _ events: [Event], title: String) {
        var tally = RuleTally()
        let now = Date()
        let start = ThreadCPUClock.now
        for event in events { _ = set.evaluate(event, at: now, tally: &tally, timed: true) }
        let total = ThreadCPUClock.now - start
        var costs: [(position: Int, evaluations: Int, nanos: Int64)] = []
        // swift-format-ignore: ReplaceForEachWithForLoop
        // (RuleTally is not a sequence: its forEach is the only way to read it.)
        tally.visit { position, evaluations, _, nanos in costs.append((position, evaluations, nanos)) }
        costs.sort { $0.nanos > $1.nanos }
        print(String(format: "costliest rules, %@ (%.0f ms in all, rules timed one by one):", title, total * 1000))
        for cost in costs.prefix(profile) {
            let rule = set.rules[cost.position]
            print(
                String(format: "  %8.1f ms %7d evaluations  ", Double(cost.nanos) / 1e6, cost.evaluations)
                    + (rule.metadata.file.isEmpty ? rule.id : rule.metadata.file))
        }
    }

    /// Events/s per core evaluating `set` over `events` (passes repeated until `seconds` of CPU
    /// time), and the alerts of one pass.
    private func measure(_ set: RuleSet, _ events: [Event]) -> (rate: Double, alerts: Int) {
        guard !events.isEmpty else { return (0, 0) }
        let now = Date()
        var alerts = 0
        for event in events { alerts += set.evaluate(event, at: now).count }
        var processed = 0
        var raised = 0
        let start = ThreadCPUClock.now
        var elapsed = 0.0
        repeat {
            for event in events { raised &+= set.evaluate(event, at: now).count }
            processed += events.count
            elapsed = ThreadCPUClock.now - start
        } while elapsed < seconds
        precondition(raised == alerts * (processed / events.count), "evaluation is not deterministic")
        return (Double(processed) / elapsed, alerts)
    }
}
