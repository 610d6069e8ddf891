import SIEMCore
import Yams

/// How Sigma rules meet siemd's events: which events each logsource means, where each Sigma field
/// is found, and the values of `|expand` placeholders. Read from one YAML file
/// (`rules/sigma/config.yml`, or `SIEM_SIGMA_CONFIG`); `empty` maps nothing.
public struct SigmaConfig: Sendable {
    /// One logsource entry: the `product`/`category`/`service` values it covers and the
    /// condition (native rule syntax) an event must satisfy to be of that source.
    public struct Logsource: Sendable {
        public var keys: [String: String]
        public var condition: Condition
        public init(keys: [String: String], condition: Condition) {
            self.keys = keys
            self.condition = condition
        }
    }

    public var logsources: [Logsource]
    /// Sigma field name, lowercased → event paths to try in order (`fields.CommandLine`, `process.command_line`).
    public var fields: [String: [String]]
    public var placeholders: [String: [String]]

    public init(logsources: [Logsource] = [], fields: [String: [String]] = [:], placeholders: [String: [String]] = [:]) {
        self.logsources = logsources
        self.fields = fields
        self.placeholders = placeholders
    }

    public static let empty = SigmaConfig()

    /// The event paths for a Sigma field name: the configured ones, else `fields.<name>`.
    public func paths(for field: String) -> [String] {
        fields[field.lowercased()] ?? ["fields.\(field)"]
    }

    /// The values of an `|expand` placeholder (`%name%` → `name`), nil when the configuration has none.
    public func placeholder(_ name: String) -> [String]? {
        placeholders[name] ?? placeholders[name.lowercased()]
    }

    /// Which events a rule with this `logsource` is evaluated on.
    public func scope(for logsource: [String: String]) -> RuleScope {
        let described = logsource.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return .noEvent(reason: "the Sigma configuration maps no log source \(described)")
    }
}
