import Dispatch
import Foundation
import SIEMCore

/// What rule evaluation cost during one batch: how many events each rule was evaluated on (after
/// the index chose it) and, for sampled events, how long it took. Kept per batch without locks and
/// added to the running totals after it.
public struct RuleTally: Sendable {
    struct Entry: Sendable {
        var evaluations = 0
        var timed = 0
        var nanos: Int64 = 0
    }

    var entries: [Int: Entry] = [:]

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }

    mutating func evaluated(_ position: Int) {
        entries[position, default: Entry()].evaluations += 1
    }

    mutating func timed(_ position: Int, nanos: Int64) {
        entries[position, default: Entry()].timed += 1
        entries[position, default: Entry()].nanos += nanos
    }

    /// Calls `body` with each rule position, its evaluations, timed evaluations and their nanoseconds.
    public func visit(_ body: (_ position: Int, _ evaluations: Int, _ timed: Int, _ nanos: Int64) -> Void) {
        for (position, entry) in entries { body(position, entry.evaluations, entry.timed, entry.nanos) }
    }
}

extension RuleSet {
    /// `evaluate`, counting in `tally` each rule the index chose for the event and, when `timed`,
    /// how long its evaluation took (callers time a sample of events: reading the clock costs
    /// about as much as a cheap rule).
    public func evaluate(_ event: Event, at now: Date, tally: inout RuleTally, timed: Bool) -> [Alert] {
        var alerts: [Alert] = []
        forEachMatch(in: event, tally: &tally, timed: timed) { position in
            if rules[position].generates { alerts.append(rules[position].alert(for: event, at: now)) }
        }
        return alerts
    }

    /// Calls `body` with the position of every rule that matches `event`, in rule order, counting
    /// evaluations in `tally` as `evaluate(_:at:tally:timed:)` does.
    func forEachMatch(in event: Event, tally: inout RuleTally, timed: Bool, _ body: (Int) -> Void) {
        for position in index.candidates(for: event) {
            tally.evaluated(position)
            let matched: Bool
            if timed {
                let start = DispatchTime.now().uptimeNanoseconds
                matched = rules[position].condition.matches(event)
                tally.timed(position, nanos: Int64(DispatchTime.now().uptimeNanoseconds &- start))
            } else {
                matched = rules[position].condition.matches(event)
            }
            if matched { body(position) }
        }
    }
}
