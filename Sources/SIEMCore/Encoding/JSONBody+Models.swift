import Foundation

/// The JSON shapes of the threat-intel and MDR models.
extension JSONBody {
    public mutating func ioc(_ ioc: IOC, at time: Date = Date(), extra: [(String, (inout JSONBody) -> Void)] = []) {
        object(
            [
                ("id", { $0.raw(ioc.id.map(String.init) ?? "null") }),
                ("type", { $0.string(ioc.type.rawValue) }),
                ("value", { $0.string(ioc.value) }),
                ("source", { $0.string(ioc.source) }),
                ("note", { $0.string(ioc.note) }),
                ("severity", { $0.string(ioc.severity.rawValue) }),
                ("created_at", { $0.date(ioc.createdAt) }),
                ("updated_at", { $0.date(ioc.updatedAt) }),
                ("expires_at", { $0.optionalDate(ioc.expiresAt) }),
                ("expired", { $0.raw(ioc.isExpired(at: time) ? "true" : "false") }),
                ("hit_count", { $0.raw(String(ioc.hitCount)) }),
                ("last_hit_at", { $0.optionalDate(ioc.lastHitAt) }),
            ] + extra)
    }

    public mutating func incident(_ incident: Incident, extra: [(String, (inout JSONBody) -> Void)] = []) {
        object(
            [
                ("id", { $0.raw(incident.id.map(String.init) ?? "null") }),
                ("title", { $0.string(incident.title) }),
                ("severity", { $0.string(incident.severity.rawValue) }),
                ("status", { $0.string(incident.status.rawValue) }),
                ("resolution", { $0.optional(incident.resolution?.rawValue) }),
                ("assigned_to", { $0.optional(incident.assignedTo) }),
                ("description", { $0.string(incident.description) }),
                ("created_at", { $0.date(incident.createdAt) }),
                ("updated_at", { $0.date(incident.updatedAt) }),
                ("rule_id", { $0.optional(incident.ruleID) }),
                ("group_key", { $0.optional(incident.groupKey) }),
                ("last_alert_at", { $0.optionalDate(incident.lastAlertAt) }),
                ("alert_ids", { body in body.array(incident.alertIDs) { $0.raw(String($1)) } }),
                ("alert_count", { $0.raw(String(incident.alertIDs.count)) }),
            ] + extra)
    }

    public mutating func note(_ note: IncidentNote) {
        object([
            ("id", { $0.raw(String(note.id)) }),
            ("author", { $0.string(note.author) }),
            ("note", { $0.string(note.note) }),
            ("created_at", { $0.date(note.createdAt) }),
        ])
    }

    public mutating func change(_ change: IncidentChange) {
        object([
            ("at", { $0.date(change.at) }),
            ("actor", { $0.string(change.actor) }),
            ("action", { $0.string(change.action) }),
            ("field", { $0.optional(change.field) }),
            ("from", { $0.optional(change.from) }),
            ("to", { $0.optional(change.to) }),
        ])
    }
}
