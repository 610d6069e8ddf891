import Foundation
import SIEMCore
import SIEMStore

extension JSONBody {
    mutating func action(_ action: EDRAction) {
        object([
            ("id", { $0.raw(String(action.id)) }),
            ("agent_id", { $0.string(action.agentID) }),
            ("action_type", { $0.string(action.actionType) }),
            ("params", { $0.value(.object(action.params)) }),
            ("requested_by", { $0.string(action.requestedBy) }),
            ("status", { $0.string(action.status.rawValue) }),
            ("created_at", { $0.date(action.createdAt) }),
            ("expires_at", { $0.date(action.expiresAt) }),
            ("leased_at", { body in body.optionalDate(action.leasedAt) }),
            ("lease_until", { body in body.optionalDate(action.leaseUntil) }),
            ("attempts", { $0.raw(String(action.attempts)) }),
            ("completed_at", { body in body.optionalDate(action.completedAt) }),
            ("output", { $0.value(action.output ?? .null) }),
            ("error", { $0.optional(action.error) }),
        ])
    }

    mutating func endpoint(_ endpoint: Endpoint, online: Bool) {
        object([
            ("agent_id", { $0.string(endpoint.agentID) }),
            ("hostname", { $0.string(endpoint.hostname) }),
            ("os", { $0.string(endpoint.os) }),
            ("kernel", { $0.string(endpoint.kernel) }),
            ("ips", { body in body.array(endpoint.ips) { $0.string($1) } }),
            ("agent_version", { $0.string(endpoint.agentVersion) }),
            ("registered_at", { $0.date(endpoint.registeredAt) }),
            ("last_seen", { $0.date(endpoint.lastSeen) }),
            ("online", { $0.raw(online ? "true" : "false") }),
            ("status", { $0.string(online ? "online" : "offline") }),
            ("isolated", { $0.raw(endpoint.isolated ? "true" : "false") }),
        ])
    }

}
