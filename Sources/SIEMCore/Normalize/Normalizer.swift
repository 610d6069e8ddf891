/// Understands one kind of log line and fills `Event.normalized` (and `ts` when the log carries
/// a time). Normalizers are pure: they never drop the raw message.
public protocol Normalizer: Sendable {
    func normalize(_ event: inout Event)
}

/// Chooses the normalizer for each event: an explicit `log_type` wins, otherwise the line's shape.
///
/// The normalizer issue fills in the per-source parsers; until then events pass through unchanged.
public struct NormalizerSet: Normalizer {
    public init() {}

    public func normalize(_ event: inout Event) {}
}
