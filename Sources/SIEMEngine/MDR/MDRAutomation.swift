import Foundation
import Logging
import SIEMCore
import SIEMStore

/// What happens after alerts are committed and when incidents change: auto-created incidents
/// (`MDR_AUTO_CREATE_*`) and webhooks (`MDR_WEBHOOK_*`). Webhooks only enqueue; auto-creation is
/// one grouped write, done only when enabled and an alert reaches the minimum severity. The
/// pipeline reaches it through `PostCommitQueue`, after the ingest is answered.
public struct MDRAutomation: Sendable {
    public let incidents: (any IncidentStore)?
    public let webhooks: WebhookSender?
    /// The minimum severity that opens incidents; nil when auto-creation is off.
    public let autoCreateMinimum: Severity?
    public let window: TimeInterval
    let logger: Logger

    public init(
        incidents: (any IncidentStore)?, webhooks: WebhookSender?, autoCreateMinimum: Severity?,
        window: TimeInterval = 3600, logger: Logger
    ) {
        self.incidents = incidents
        self.webhooks = webhooks
        self.autoCreateMinimum = autoCreateMinimum
        self.window = window
        self.logger = logger
    }

    /// False when there is nothing to do after a commit (no webhook, no auto-creation).
    public var isActive: Bool { webhooks != nil || (autoCreateMinimum != nil && incidents != nil) }

    /// Called from the post-commit queue with the stored events and alerts of a commit (or of a
    /// retro-hunt); its failures are logged, never thrown.
    public func committed(_ writes: [EventWrite]) async {
        guard writes.contains(where: { !$0.alerts.isEmpty }) else { return }
        if let webhooks {
            for write in writes {
                for alert in write.alerts {
                    webhooks.send(event: "alert.created", data: JSONBody.text { $0.alert(alert, event: write.event) })
                }
            }
        }
        guard let minimum = autoCreateMinimum, let incidents else { return }
        do {
            let assignments = try await incidents.autoCreateIncidents(
                for: writes, minimum: minimum, window: window, at: Date())
            for assignment in assignments {
                logger.info(
                    assignment.created ? "incident opened" : "alert joined incident",
                    metadata: [
                        "incident.id": "\(assignment.incident.id ?? 0)", "alert.id": "\(assignment.alertID)",
                    ])
                incidentChanged(assignment.incident, created: assignment.created)
            }
        } catch {
            logger.error("auto-creating incidents failed", metadata: ["error": "\(error)"])
        }
    }

    /// Sends `incident.created` or `incident.updated`.
    public func incidentChanged(_ incident: Incident, created: Bool) {
        webhooks?.send(
            event: created ? "incident.created" : "incident.updated", data: JSONBody.text { $0.incident(incident) })
    }
}
