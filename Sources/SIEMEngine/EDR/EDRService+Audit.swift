import Foundation
import SIEMCore
import SIEMStore

/// Every change to the action queue is also an event (`source = "edr_audit"`), stored through the
/// pipeline so it is searchable and can raise alerts like any other event.
extension EDRService {
    func audit(_ kind: String, agentID: String, host: String, _ fields: [String: JSONValue]) async throws {
        var fields = fields
        fields["edr_event"] = .string(kind)
        fields["agent_id"] = .string(agentID)
        var message = "\(kind) agent_id=\(agentID)"
        for key in fields.keys.sorted() where key != "edr_event" && key != "agent_id" {
            if let text = fields[key]?.scalarText { message += " \(key)=\(text)" }
        }
        let time = now()
        _ = try await pipeline.ingest([
            Event(
                ts: time, receivedAt: time, source: Self.auditSource, host: host, agentID: agentID, message: message,
                fields: fields)
        ])
    }

    func audit(_ actions: [EDRAction], event kind: String, host: String?) async throws {
        guard !actions.isEmpty else { return }
        let time = now()
        let events = actions.map { action in
            var fields: [String: JSONValue] = [
                "edr_event": .string(kind), "agent_id": .string(action.agentID), "action_id": .int(action.id),
                "action_type": .string(action.actionType), "requested_by": .string(action.requestedBy),
                "status": .string(action.status.rawValue), "params": .object(action.params),
                "attempts": .int(Int64(action.attempts)),
            ]
            if let error = action.error { fields["error"] = .string(error) }
            if let output = action.output { fields["output"] = output }
            var message =
                "\(kind) action_id=\(action.id) action_type=\(action.actionType) agent_id=\(action.agentID)"
                + " status=\(action.status.rawValue) requested_by=\(action.requestedBy)"
            if let error = action.error { message += " error=\(error)" }
            return Event(
                ts: time, receivedAt: time, source: Self.auditSource, host: host ?? "siemd", agentID: action.agentID,
                message: message, fields: fields)
        }
        _ = try await pipeline.ingest(events)
    }
}
