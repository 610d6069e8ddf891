/// How `siem-agent tail` reads a line.
public enum LineFormat: String, Sendable, CaseIterable {
    /// A line that is a JSON object is sent as its members; any other line as text.
    case auto
    /// Every line should be a JSON object; one that is not is sent as text, flagged
    /// `fields.format_error: true`.
    case json
    /// Every line is the event's `message`.
    case text
}
