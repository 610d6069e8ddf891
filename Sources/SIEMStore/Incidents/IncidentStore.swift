import Foundation
import SIEMCore

/// Filters for listing incidents, newest first.
public struct IncidentQuery: Sendable, Hashable {
    public var limit: Int
    public var cursor: Incident.ID?
    public var status: IncidentStatus?
    public var assignedTo: String?
    public var severity: Severity?

    public init(
        limit: Int = 100, cursor: Incident.ID? = nil, status: IncidentStatus? = nil, assignedTo: String? = nil,
        severity: Severity? = nil
    ) {
        self.limit = limit
        self.cursor = cursor
        self.status = status
        self.assignedTo = assignedTo
        self.severity = severity
    }
}

/// The changes one update makes; nil members stay as they are (`assignedTo: .some(nil)` unassigns).
public struct IncidentUpdate: Sendable, Hashable {
    public var title: String?
    public var severity: Severity?
    public var status: IncidentStatus?
    public var resolution: IncidentResolution?
    public var assignedTo: String??

    public init(
        title: String? = nil, severity: Severity? = nil, status: IncidentStatus? = nil,
        resolution: IncidentResolution? = nil, assignedTo: String?? = nil
    ) {
        self.title = title
        self.severity = severity
        self.status = status
        self.resolution = resolution
        self.assignedTo = assignedTo
    }
}

/// An incident with its notes and timeline (oldest first).
public struct IncidentDetails: Sendable, Hashable {
    public var incident: Incident
    public var notes: [IncidentNote]
    public var timeline: [IncidentChange]
}

/// What auto-creation did with one alert: opened `incident` or joined it.
public struct IncidentAssignment: Sendable, Hashable {
    public var incident: Incident
    public var alertID: Alert.ID
    public var created: Bool
}

/// Storage of MDR incidents. Every change writes a timeline entry in the same transaction.
public protocol IncidentStore: Sendable {
    /// Stores a new incident and links its `alertIDs`; `StoreError.notFound` when an alert is missing.
    func createIncident(_ incident: Incident, actor: String) async throws -> Incident
    func incidents(_ query: IncidentQuery) async throws -> Page<Incident>
    func incident(id: Incident.ID) async throws -> Incident?
    func incidentDetails(id: Incident.ID) async throws -> IncidentDetails?
    /// Applies `update` at `time`; `StoreError.notFound` when the incident is missing.
    func updateIncident(id: Incident.ID, _ update: IncidentUpdate, actor: String, at time: Date) async throws
        -> Incident
    func addNote(incidentID: Incident.ID, author: String, note: String, at time: Date) async throws -> IncidentNote
    /// Links alerts (already linked ones are skipped); `StoreError.notFound` for a missing incident or alert.
    func linkAlerts(_ alertIDs: [Alert.ID], toIncident id: Incident.ID, actor: String, at time: Date) async throws
        -> Incident
    /// For each alert at or above `minimum`: joins the active incident of the same rule and event
    /// key whose last alert is less than `window` old, or opens a new one.
    func autoCreateIncidents(
        for writes: [EventWrite], minimum: Severity, window: TimeInterval, at time: Date
    ) async throws -> [IncidentAssignment]
}
