import Foundation
import SIEMCore

/// How repeats of a rule's alert are folded into the first one: alerts of one rule whose `by`
/// fields have the same values (folded as correlation group keys are) within `window` of the first
/// are one alert. Native rules set it with `suppress: {by: [...], for: 1h}`, Sigma rules in the
/// Sigma configuration (`suppress:`, per rule id or per level). The pipeline applies it.
public struct Suppression: Sendable, Hashable {
    /// The field names as written.
    public var by: [String]
    /// Seconds.
    public var window: TimeInterval
    /// Where each `by` field is read, resolved at load.
    public var fields: [FieldRef]

    /// Fields in native rule syntax (`source.ip`, `host`, `fields.program`).
    public init(by: [String], window: TimeInterval) {
        self.init(by: by, window: window, fields: by.map(FieldRef.init(path:)))
    }

    public init(by: [String], window: TimeInterval, fields: [FieldRef]) {
        self.by = by
        self.window = window
        self.fields = fields
    }

    /// The value of each `by` field in `event`, in order; nil where it is absent or null.
    public func values(in event: Event) -> [JSONValue?] {
        fields.map { GroupKey.value(at: $0, in: event) }
    }

    /// The key of `event`'s `by` values: equal for events whose values are equal up to case and
    /// number spelling. An absent field is part of the key (events without it share one).
    public func key(for event: Event) -> String {
        key(of: values(in: event))
    }

    /// The key of `by` values as `values(in:)` reads them.
    public func key(of values: [JSONValue?]) -> String {
        GroupKey.join(values.map { $0.map(GroupKey.fold) ?? "\u{0}" })
    }
}
