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
}
