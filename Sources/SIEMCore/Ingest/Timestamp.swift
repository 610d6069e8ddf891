import Foundation

/// Parsing of the event times clients send: RFC 3339 text or a Unix epoch.
public enum Timestamp {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    /// Parses RFC 3339 (`2026-11-29T09:01:57Z`, with optional fraction and offset; a space in
    /// place of `T` is accepted) or a decimal epoch (seconds, or milliseconds when above 1e11).
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let epoch = Double(trimmed) { return fromEpoch(epoch) }
        var candidate = trimmed
        if candidate.count > 10, candidate[candidate.index(candidate.startIndex, offsetBy: 10)] == " " {
            candidate.replaceSubrange(
                candidate.index(
                    candidate.startIndex, offsetBy: 10)...candidate.index(candidate.startIndex, offsetBy: 10),
                with: "T")
        }
        if candidate.hasSuffix("z") { candidate = String(candidate.dropLast()) + "Z" }
        if let date = try? withFraction.parse(candidate) { return date }
        if let date = try? withoutFraction.parse(candidate) { return date }
        return nil
    }

    /// Seconds since 1970, or milliseconds when the number is too large to be seconds.
    public static func fromEpoch(_ value: Double) -> Date? {
        guard value.isFinite, value >= 0 else { return nil }
        let seconds = value > 1e11 ? value / 1000 : value
        guard seconds < 32_503_680_000 else { return nil }  // year 3000
        return Date(timeIntervalSince1970: seconds)
    }

    private static let formatter = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// RFC 3339 in UTC with milliseconds, as every API response renders times: rounded to the
    /// nearest millisecond (the formatter truncates, and `.001` stored as microseconds reads back
    /// as `.000999…`).
    public static func format(_ date: Date) -> String { formatter.format(date.addingTimeInterval(0.0005)) }
}
