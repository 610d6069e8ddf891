import Foundation
import SIEMCore
import SIEMStore

/// MDR incidents: opening them (by hand or from an alert), changing them, notes and linked
/// alerts. Every change names its actor and sends `incident.created` / `incident.updated`.
public struct IncidentService: Sendable {
    public let incidents: any IncidentStore
    public let events: any EventStore
    public let automation: MDRAutomation
    private let now: @Sendable () -> Date

    public init(
        incidents: any IncidentStore, events: any EventStore, automation: MDRAutomation,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.incidents = incidents
        self.events = events
        self.automation = automation
        self.now = now
    }

    /// What a client asks for when it opens an incident; nil members take their defaults (from the
    /// alert when `alertID` is set).
    public struct Draft: Sendable {
        public var alertID: Alert.ID?
        public var title: String?
        public var severity: Severity?
        public var description: String?
        public var status: IncidentStatus?
        public var resolution: IncidentResolution?
        public var assignedTo: String?

        public init(
            alertID: Alert.ID? = nil, title: String? = nil, severity: Severity? = nil, description: String? = nil,
            status: IncidentStatus? = nil, resolution: IncidentResolution? = nil, assignedTo: String? = nil
        ) {
            self.alertID = alertID
            self.title = title
            self.severity = severity
            self.description = description
            self.status = status
            self.resolution = resolution
            self.assignedTo = assignedTo
        }
    }

    /// An incident with its notes, timeline, and its alerts with their events.
    public struct Details: Sendable {
        public var details: IncidentDetails
        public var alerts: [Alert]
        public var events: [Event.ID: Event]
    }

    public func create(_ draft: Draft, actor: String) async throws -> Incident {
        let time = now()
        var incident: Incident
        if let alertID = draft.alertID {
            guard let alert = try await events.alert(id: alertID) else {
                throw ServiceError.notFound("no alert with id \(alertID)")
            }
            incident = Incident(
                title: draft.title ?? alert.title, severity: draft.severity ?? alert.severity,
                description: draft.description ?? alert.description, createdAt: time, alertIDs: [alertID])
        } else {
            guard let title = draft.title else {
                throw InvalidInput("`title` is required (or `alert_id` to take it from an alert)")
            }
            incident = Incident(
                title: title, severity: draft.severity ?? .medium, description: draft.description ?? "",
                createdAt: time)
        }
        incident.status = draft.status ?? .open
        incident.resolution = draft.resolution
        incident.assignedTo = draft.assignedTo
        let stored = try await incidents.createIncident(incident, actor: actor)
        automation.incidentChanged(stored, created: true)
        return stored
    }

    public func incidents(_ query: IncidentQuery) async throws -> Page<Incident> {
        try await incidents.incidents(query)
    }

    public func details(id: Incident.ID) async throws -> Details {
        guard let details = try await incidents.incidentDetails(id: id) else {
            throw ServiceError.notFound("no incident with id \(id)")
        }
        var alerts: [Alert] = []
        for alertID in details.incident.alertIDs {
            if let alert = try await events.alert(id: alertID) { alerts.append(alert) }
        }
        return Details(
            details: details, alerts: alerts, events: try await events.events(ids: alerts.compactMap(\.eventID)))
    }

    public func update(id: Incident.ID, _ update: IncidentUpdate, actor: String) async throws -> Incident {
        guard update != IncidentUpdate() else {
            throw InvalidInput("nothing to update: send status, assigned_to, severity, title or resolution")
        }
        let before = try await incidents.incident(id: id)
        let incident = try await incidents.updateIncident(id: id, update, actor: actor, at: now())
        if before != incident { automation.incidentChanged(incident, created: false) }
        return incident
    }

    public func addNote(incidentID id: Incident.ID, author: String, note: String) async throws -> IncidentNote {
        let stored = try await incidents.addNote(incidentID: id, author: author, note: note, at: now())
        if let incident = try await incidents.incident(id: id) { automation.incidentChanged(incident, created: false) }
        return stored
    }

    public func linkAlerts(_ alertIDs: [Alert.ID], toIncident id: Incident.ID, actor: String) async throws -> Incident {
        guard !alertIDs.isEmpty else { throw InvalidInput("send `alert_ids` (an array) or `alert_id`") }
        guard alertIDs.count <= 10_000 else { throw InvalidInput("at most 10000 alerts per request") }
        let incident = try await incidents.linkAlerts(alertIDs, toIncident: id, actor: actor, at: now())
        automation.incidentChanged(incident, created: false)
        return incident
    }
}
