import Foundation
import SIEMCore
import SIEMStore

/// The alert filters `GET /alerts`, `PATCH /alerts` and `GET /alerts/groups` share.
extension QueryParameters {
    /// The filters present in the request; limit and cursor when `paged`.
    func alertQuery(paged: Bool = true) throws(APIError) -> AlertQuery {
        var query = AlertQuery(
            limit: paged ? try limit() : 100,
            cursor: paged ? try cursor() : nil,
            ip: try ip(),
            agentID: string("agent_id"),
            ruleID: string("rule_id"),
            severity: try severity(),
            since: try date("since"),
            tag: try alertTag(),
            ruleFormat: try ruleFormat()
        )
        query.statuses = try alertStatuses()
        query.assignedTo = assignee()
        query.kind = try alertKind()
        query.group = try groupFilters()
        return query
    }

    /// `status=open,acknowledged`: any of the triage states, comma-separated (every state when absent).
    func alertStatuses() throws(APIError) -> [AlertStatus] {
        guard let text = string("status") else { return [] }
        var statuses: [AlertStatus] = []
        for name in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
            guard let status = AlertStatus(rawValue: trimmed) else {
                throw .invalid("`status` must be one or more (comma-separated) of \(Self.alertStatusNames)")
            }
            if !statuses.contains(status) { statuses.append(status) }
        }
        return statuses
    }

    static let alertStatusNames = AlertStatus.allCases.map(\.rawValue).joined(separator: ", ")

    /// `assigned_to=name`; `assigned_to=` (present and empty) selects unassigned alerts.
    func assignee() -> String? {
        guard let value = parameters[Substring("assigned_to")] else { return nil }
        return String(value)
    }

    func alertKind() throws(APIError) -> AlertKind? {
        guard let text = string("kind") else { return nil }
        guard let kind = AlertKind(rawValue: text.lowercased()) else {
            throw .invalid("`kind` must be one of \(AlertKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
    }

    /// `group.<field>=<value>`: alerts whose group holds that value (compared ignoring case).
    func groupFilters() throws(APIError) -> [String: String] {
        var group: [String: String] = [:]
        for (rawName, rawValue) in parameters {
            let name = String(rawName).removingPercentEncoding ?? String(rawName)
            guard name.hasPrefix(Self.groupPrefix) else { continue }
            let field = String(name.dropFirst(Self.groupPrefix.count))
            guard !field.isEmpty, field.utf8.count <= 128, field.utf8.allSatisfy(Self.isKeyByte) else {
                throw .invalid("`group.` must be followed by a field name such as `source.ip`")
            }
            guard !rawValue.isEmpty else { throw .invalid("`\(name)` needs a value") }
            guard group.count < Self.mostTerms else {
                throw .invalid("at most \(Self.mostTerms) `group.` filters in one query")
            }
            group[field] = String(rawValue)
        }
        return group
    }

    static let groupPrefix = "group."

    /// `hours`: the window of a summary, 1 to 720 (30 days), default 24.
    func hours() throws(APIError) -> Int {
        try int("hours", in: 1...720, default: 24)!
    }
}
