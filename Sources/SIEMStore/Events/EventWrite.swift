import Foundation
import SIEMCore

/// One event to store with the alerts raised for it; both are written in the same transaction.
public struct EventWrite: Sendable {
    public var event: Event
    public var alerts: [Alert]

    public init(event: Event, alerts: [Alert]) {
        self.event = event
        self.alerts = alerts
    }
}
