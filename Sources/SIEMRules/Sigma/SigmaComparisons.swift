/// A value read as a number and compared with a constant (Sigma `lt`, `lte`, `gt`, `gte`, and
/// equality with a non-integral number). A text that is not a number never matches.
public struct NumericComparison: Sendable, Hashable {
    public enum Operator: String, Sendable, Hashable {
        case less = "lt", lessOrEqual = "lte", greater = "gt", greaterOrEqual = "gte", equal = "eq"
    }

    public var op: Operator
    public var number: Double

    public init(_ op: Operator, _ number: Double) {
        self.op = op
        self.number = number
    }

    func matches(_ text: String) -> Bool {
        guard let value = Double(text) else { return false }
        switch op {
        case .less: return value < number
        case .lessOrEqual: return value <= number
        case .greater: return value > number
        case .greaterOrEqual: return value >= number
        case .equal: return value == number
        }
    }
}

/// Another field whose value the value is compared with (Sigma `fieldref`, alone or with
/// `startswith`, `endswith`, `contains`), case-insensitively as Sigma strings are.
public struct FieldReference: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case equals, startsWith, endsWith, contains }

    public var field: FieldRef
    public var kind: Kind

    public init(field: FieldRef, kind: Kind) {
        self.field = field
        self.kind = kind
    }

    func matches(_ value: String, _ other: String) -> Bool {
        let value = value.lowercased()
        let other = other.lowercased()
        switch kind {
        case .equals: return value == other
        case .startsWith: return value.hasPrefix(other)
        case .endsWith: return value.hasSuffix(other)
        case .contains: return other.isEmpty || value.contains(other)
        }
    }
}

/// A calendar component of a timestamp, in UTC (Sigma's time modifiers).
///
/// The value is read as ISO 8601 (`2024-06-01T12:30:00Z`, with `T` or a space, optional seconds
/// and fraction, `Z` or an offset such as `+02:00`, or a date alone) or as epoch seconds. `week` is
/// the week of the year as SQLite's `strftime('%W')` counts it (weeks start on Monday; days before
/// the year's first Monday are in week 0), so results agree with the reference backend.
public enum TimeComponent: String, Sendable, Hashable, CaseIterable {
    case minute, hour, day, week, month, year

    func value(ofTimestamp text: String) -> Int? {
        guard let seconds = Self.epochSeconds(text) else { return nil }
        let days = Int((seconds / 86_400).rounded(.down))
        let secondOfDay = Int(seconds - Double(days) * 86_400)
        let (year, month, day) = Self.civil(fromDays: days)
        switch self {
        case .minute: return secondOfDay / 60 % 60
        case .hour: return secondOfDay / 3600
        case .day: return day
        case .month: return month
        case .year: return year
        case .week:
            let dayOfYear = days - Self.days(year: year, month: 1, day: 1)
            // 1970-01-01 was a Thursday: Monday-based weekday 0…6.
            let weekday = ((days % 7) + 7 + 3) % 7
            return (dayOfYear + 7 - weekday) / 7
        }
    }

    /// Seconds since 1970 in UTC, or nil when the text is no timestamp.
    static func epochSeconds(_ text: String) -> Double? {
        let text = text.trimmingPrefixAndSuffixSpaces()
        if let number = Double(text) { return number.isFinite && abs(number) < 1e14 ? number : nil }
        let scalars = Array(text.utf8)
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= scalars.count else { return nil }
            var value = 0
            for byte in scalars[index..<(index + width)] {
                guard byte &- 0x30 < 10 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += width
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < scalars.count, scalars[index] == character.asciiValue else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = Double(days(year: year, month: month, day: day)) * 86_400
        guard index < scalars.count else { return seconds }
        guard
            scalars[index] == UInt8(ascii: "T") || scalars[index] == UInt8(ascii: "t")
                || scalars[index] == UInt8(ascii: " ")
        else { return nil }
        index += 1
        guard let hour = number(2), expect(":"), let minute = number(2), hour < 24, minute < 60 else { return nil }
        seconds += Double(hour * 3600 + minute * 60)
        if expect(":") {
            guard let second = number(2), second < 61 else { return nil }
            seconds += Double(second)
            if expect(".") || expect(",") {
                var scale = 0.1
                while index < scalars.count, scalars[index] &- 0x30 < 10 {
                    seconds += Double(scalars[index] - 0x30) * scale
                    scale /= 10
                    index += 1
                }
            }
        }
        guard index < scalars.count else { return seconds }
        if expect("Z") || expect("z") { return index == scalars.count ? seconds : nil }
        let sign: Double
        if expect("+") {
            sign = 1
        } else if expect("-") {
            sign = -1
        } else {
            return nil
        }
        guard let offsetHours = number(2) else { return nil }
        _ = expect(":")
        let offsetMinutes = number(2) ?? 0
        guard index == scalars.count else { return nil }
        return seconds - sign * Double(offsetHours * 3600 + offsetMinutes * 60)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension String {
    fileprivate func trimmingPrefixAndSuffixSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
