import Foundation
import SIEMCore

/// Steps 2–4 of the pipeline as one pure function: normalize, extract IPs, match IOCs, evaluate rules.
/// Used by the ingest pipeline and by `siemd check-rules` alike.
public struct EventAnalyzer: Sendable {
    public var normalizer: any Normalizer
    public var rules: RuleSet

    public init(normalizer: any Normalizer = NormalizerSet(), rules: RuleSet) {
        self.normalizer = normalizer
        self.rules = rules
    }

    /// The event as understood, and the alerts it raises at `time` (rules, then `ti_*` matches
    /// against the IOC snapshot `iocs`).
    public func analyze(_ event: Event, at time: Date, iocs: IOCSet = .empty) -> (event: Event, alerts: [Alert]) {
        var event = event
        normalizer.normalize(&event)
        event.ips = event.extractedIPs()
        var alerts = rules.evaluate(event, at: time)
        if !iocs.isEmpty { alerts += iocs.alerts(for: event, at: time) }
        return (event, alerts)
    }

    /// `analyze`, counting rule evaluations in `tally` (timed when `timed`).
    public func analyze(_ event: Event, at time: Date, iocs: IOCSet = .empty, tally: inout RuleTally, timed: Bool)
        -> (event: Event, alerts: [Alert])
    {
        var event = event
        normalizer.normalize(&event)
        event.ips = event.extractedIPs()
        var alerts = rules.evaluate(event, at: time, tally: &tally, timed: timed)
        if !iocs.isEmpty { alerts += iocs.alerts(for: event, at: time) }
        return (event, alerts)
    }

    /// What one event gave: the event as understood, the alerts it raises, and the rules that
    /// matched it which correlations count (whether or not those rules raise alerts themselves).
    public struct Analysis: Sendable {
        public var event: Event
        public var alerts: [Alert]
        /// Positions in `rules.rules`, ascending: pass them to `CorrelationEngine.observe`.
        public var correlationInputs: [Int]
    }

    /// `analyze`, also saying which matched rules feed correlations; each rule is evaluated once.
    /// With `tally`, evaluations are counted there (timed when `timed`).
    public func analyzeAll(_ event: Event, at time: Date, iocs: IOCSet = .empty) -> Analysis {
        var tally = RuleTally()
        return analyzeAll(event, at: time, iocs: iocs, tally: &tally, timed: false, counting: false)
    }

    /// `analyzeAll`, counting rule evaluations in `tally` (timed when `timed`).
    public func analyzeAll(_ event: Event, at time: Date, iocs: IOCSet = .empty, tally: inout RuleTally, timed: Bool)
        -> Analysis
    {
        analyzeAll(event, at: time, iocs: iocs, tally: &tally, timed: timed, counting: true)
    }

    private func analyzeAll(
        _ event: Event, at time: Date, iocs: IOCSet, tally: inout RuleTally, timed: Bool, counting: Bool
    ) -> Analysis {
        var event = event
        normalizer.normalize(&event)
        event.ips = event.extractedIPs()
        var alerts: [Alert] = []
        var inputs: [Int] = []
        let rules = self.rules
        let analyzed = event
        func matched(_ position: Int) {
            if rules.rules[position].generates { alerts.append(rules.rules[position].alert(for: analyzed, at: time)) }
            if rules.feedsCorrelation[position] { inputs.append(position) }
        }
        if counting {
            rules.forEachMatch(in: event, tally: &tally, timed: timed, matched)
        } else {
            rules.index.forEachMatch(in: event, rules: rules.rules, matched)
        }
        if !iocs.isEmpty { alerts += iocs.alerts(for: event, at: time) }
        return Analysis(event: event, alerts: alerts, correlationInputs: inputs)
    }
}
