import Foundation
import SIEMCore

/// One event to store with the alerts raised for it; both are written in the same transaction.
public struct EventWrite: Sendable {
    public var event: Event
    public var alerts: [Alert]
    /// Ids of the rules that matched it and feed threshold or correlation rules (whether or not
    /// they raise alerts of their own): the input of the store's `CommitDetector`.
    public var ruleMatches: [String]

    public init(event: Event, alerts: [Alert], ruleMatches: [String] = []) {
        self.event = event
        self.alerts = alerts
        self.ruleMatches = ruleMatches
    }
}

/// Stateful detection that runs inside the ingest transaction, in commit order, once the events
/// of a job have ids: threshold and correlation rules. Its state is written in the same
/// transaction (`correlation_state`), so a restart resumes every open window, and a job that is
/// rolled back is undone by `restore` from what the database still holds.
///
/// Called on the store's writer thread only; an implementation guards its state for the rare
/// call from elsewhere (reloading rules).
public protocol CommitDetector: AnyObject, Sendable {
    /// The alerts the writes raise beyond their own, each with the index of the write it belongs
    /// to (the event that closed the window) and `.burst` suppression; and the state changes to
    /// persist (a nil state deletes the key).
    func detect(_ stored: [EventWrite]) -> DetectorOutput
    /// Replaces the in-memory state with `states` (when attached, and after a rollback).
    func restore(_ states: [(key: String, state: Data)])
}

public struct DetectorOutput: Sendable {
    public var alerts: [(write: Int, alert: Alert)]
    public var state: [(key: String, state: Data?)]

    public init(alerts: [(write: Int, alert: Alert)] = [], state: [(key: String, state: Data?)] = []) {
        self.alerts = alerts
        self.state = state
    }
}
