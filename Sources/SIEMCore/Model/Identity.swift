/// What an identity may do. Each route names the roles it admits (`x-siem-roles` in the OpenAPI
/// document); `admin` is admitted everywhere.
public enum Role: String, Sendable, CaseIterable, Hashable {
    /// Everything, the audit log included.
    case admin
    /// Read; triage incidents; manage threat intel; queue response actions.
    case analyst
    /// Ingest and the EDR agent routes only.
    case agent
    /// Read only.
    case reader
}

/// Who made a request: a named API key, `SIEM_API_KEY` (`api-key`) or a Basic user, with a role.
public struct Identity: Sendable, Hashable {
    public var name: String
    public var role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }
}
