import Foundation
import SIEMCore
import SIEMEngine
import SIEMStore

/// Analysts' triage of alerts: one alert, or every alert a filter selects. A bulk change needs a
/// filter unless the caller says `all`, and changes at most `cap` alerts, the newest first.
struct AlertTriageService: Sendable {
    let store: any EventStore
    /// The most alerts one bulk change changes.
    var cap = 10_000
    var now: @Sendable () -> Date = Date.init

    /// What a bulk change did: the alerts it changed, and whether more matched than it may change.
    struct BulkOutcome: Sendable {
        var ids: [Alert.ID]
        var capped: Bool
    }

    func triage(id: Alert.ID, _ change: AlertTriage) async throws -> Alert {
        try Self.validate(change)
        guard try await !store.triage(ids: [id], change, at: now()).isEmpty, let alert = try await store.alert(id: id)
        else {
            throw ServiceError.notFound("no alert with id \(id)")
        }
        return alert
    }

    func triage(matching query: AlertQuery, all: Bool, _ change: AlertTriage) async throws -> BulkOutcome {
        try Self.validate(change)
        guard all || !Self.isUnfiltered(query) else {
            throw InvalidInput(
                "bulk triage needs a filter (such as `rule_id`, `status` or `group.source.ip`), or `all=true` "
                    + "to change every alert")
        }
        let matched = try await store.alertIDs(query, cap: cap + 1)
        let ids = Array(matched.prefix(cap))
        let changed = try await store.triage(ids: ids, change, at: now())
        return BulkOutcome(ids: changed, capped: matched.count > cap)
    }

    /// Whether `query` selects every alert (its limit and cursor do not filter).
    static func isUnfiltered(_ query: AlertQuery) -> Bool {
        var bare = query
        bare.limit = AlertQuery().limit
        bare.cursor = nil
        return bare == AlertQuery()
    }

    static func validate(_ change: AlertTriage) throws(InvalidInput) {
        guard !change.isEmpty else { throw InvalidInput("send `status`, `assigned_to`, or both") }
    }
}
