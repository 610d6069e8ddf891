import Foundation

/// Turns the time stamps logs carry into instants. Pure: "now" is the event's receive time, and
/// times without a zone are read in the configured local zone.
struct LogClock: Sendable {
    let zone: LocalZone
    let now: Date

    /// How far past `now` a year-less RFC 3164 time may land before it is read as last year's:
    /// enough for a sender's clock that runs a little fast or a zone set a few hours off.
    static let futureTolerance: TimeInterval = 26 * 3600

    /// The wall time read in the local zone.
    func local(_ wall: WallTime) -> Date? {
        guard let seconds = wall.secondsSinceEpochAsUTC else { return nil }
        let offset: Int
        if let fixed = zone.fixedOffset {
            offset = fixed
        } else {
            let guess = zone.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds))
            offset = zone.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds - Double(guess)))
        }
        return Date(timeIntervalSince1970: seconds - Double(offset))
    }

    /// A time without a year (RFC 3164): the latest of last, this and next year that is not more
    /// than `futureTolerance` after `now`, so December lines received in January stay in December.
    func withoutYear(_ wall: WallTime) -> Date? {
        let year = zone.calendarYear(of: now)
        let limit = now.addingTimeInterval(Self.futureTolerance)
        for candidate in [year + 1, year, year - 1] {
            var dated = wall
            dated.year = candidate
            if let date = local(dated), date <= limit { return date }
        }
        return nil
    }

    /// RFC 3339 (`2026-03-14T10:00:00.123456Z`, `+05:30`), also with a space for `T`; without an
    /// offset the time is read as UTC when `zonelessIsUTC`, else in the local zone. Any number of
    /// fraction digits is accepted.
    func rfc3339(_ text: Substring, zonelessIsUTC: Bool = false) -> Date? {
        var cursor = ByteCursor(text)
        guard let year = cursor.number(digits: 4), cursor.skip("-"), let month = cursor.number(digits: 2),
            cursor.skip("-"), let day = cursor.number(digits: 2)
        else { return nil }
        guard cursor.skip("T") || cursor.skip("t") || cursor.skip(" ") else { return nil }
        guard var wall = cursor.clockTime() else { return nil }
        wall.year = year
        wall.month = month
        wall.day = day
        if cursor.skip("Z") || cursor.skip("z") {
            return wall.secondsSinceEpochAsUTC.map { Date(timeIntervalSince1970: $0) }
        }
        if let sign = cursor.peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            cursor.advance()
            guard let hours = cursor.number(digits: 2) else { return nil }
            _ = cursor.skip(":")
            let minutes = cursor.number(digits: 2) ?? 0
            guard hours < 24, minutes < 60, let seconds = wall.secondsSinceEpochAsUTC else { return nil }
            let offset = Double(hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "+") ? 1 : -1)
            return Date(timeIntervalSince1970: seconds - offset)
        }
        if zonelessIsUTC { return wall.secondsSinceEpochAsUTC.map { Date(timeIntervalSince1970: $0) } }
        return local(wall)
    }

    static let monthNames: [String] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]

    /// `Jan`…`Dec` in any case.
    static func month(_ bytes: some Collection<UInt8>) -> Int? {
        guard bytes.count == 3 else { return nil }
        var name = ""
        for byte in bytes { name.unicodeScalars.append(Unicode.Scalar(byte | 0x20)) }
        return monthNames.firstIndex(of: name).map { $0 + 1 }
    }
}

/// The configured local zone, with its offset cached when it never changes (UTC and the like).
public struct LocalZone: Sendable {
    public let timeZone: TimeZone
    let fixedOffset: Int?

    public init(_ timeZone: TimeZone) {
        self.timeZone = timeZone
        let probe = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01
        let changes =
            timeZone.nextDaylightSavingTimeTransition(after: probe) != nil
            || timeZone.secondsFromGMT(for: probe)
                != timeZone.secondsFromGMT(for: probe.addingTimeInterval(182 * 86400))
        fixedOffset = changes ? nil : timeZone.secondsFromGMT(for: probe)
    }

    func calendarYear(of date: Date) -> Int {
        let offset = fixedOffset ?? timeZone.secondsFromGMT(for: date)
        let days = Int(((date.timeIntervalSince1970 + Double(offset)) / 86400).rounded(.down))
        return WallTime.civil(fromDays: days).year
    }
}

/// A calendar date and clock time without a zone.
struct WallTime: Sendable {
    var year = 1970
    var month = 1
    var day = 1
    var hour = 0
    var minute = 0
    var second = 0
    var fraction = 0.0

    /// Seconds since 1970 if this wall time were UTC; nil when a field is out of range.
    var secondsSinceEpochAsUTC: Double? {
        guard (1...12).contains(month), day >= 1, day <= Self.days(inMonth: month, year: year), hour < 24,
            minute < 60, second <= 60, year > 0
        else { return nil }
        let days = Self.days(fromCivilYear: year, month: month, day: day)
        return Double(days * 86400 + hour * 3600 + minute * 60 + second) + fraction
    }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    static func days(fromCivilYear year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// A forward reader over the UTF-8 bytes of a substring.
struct ByteCursor {
    let text: Substring
    var index: Substring.UTF8View.Index

    init(_ text: Substring) {
        self.text = text
        index = text.utf8.startIndex
    }

    var peek: UInt8? { index < text.utf8.endIndex ? text.utf8[index] : nil }
    var rest: Substring { text[index...] }

    mutating func advance() { index = text.utf8.index(after: index) }

    mutating func skip(_ scalar: Unicode.Scalar) -> Bool {
        guard peek == UInt8(ascii: scalar) else { return false }
        advance()
        return true
    }

    mutating func skipSpaces() {
        while peek == UInt8(ascii: " ") { advance() }
    }

    /// Exactly `digits` decimal digits.
    mutating func number(digits: Int) -> Int? {
        var value = 0
        var probe = index
        for _ in 0..<digits {
            guard probe < text.utf8.endIndex else { return nil }
            let byte = text.utf8[probe]
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
            probe = text.utf8.index(after: probe)
        }
        index = probe
        return value
    }

    /// One to `maxDigits` decimal digits.
    mutating func number(maxDigits: Int) -> Int? {
        var value = 0
        var count = 0
        while count < maxDigits, let byte = peek, byte >= 48, byte <= 57 {
            value = value * 10 + Int(byte - 48)
            count += 1
            advance()
        }
        return count > 0 ? value : nil
    }

    /// `hh:mm:ss` with an optional `.fraction` or `,fraction`.
    mutating func clockTime() -> WallTime? {
        guard let hour = number(digits: 2), skip(":"), let minute = number(digits: 2), skip(":"),
            let second = number(digits: 2)
        else { return nil }
        var wall = WallTime(hour: hour, minute: minute, second: second)
        if peek == UInt8(ascii: ".") || peek == UInt8(ascii: ",") {
            advance()
            var digits = 0
            var scale = 1
            while let byte = peek, byte >= 48, byte <= 57 {
                if scale < 1_000_000_000 {
                    digits = digits * 10 + Int(byte - 48)
                    scale *= 10
                }
                advance()
            }
            wall.fraction = Double(digits) / Double(scale)
        }
        return wall
    }

    /// Three letters naming a month.
    mutating func monthName() -> Int? {
        var probe = index
        var bytes: [UInt8] = []
        while bytes.count < 3, probe < text.utf8.endIndex {
            bytes.append(text.utf8[probe])
            probe = text.utf8.index(after: probe)
        }
        guard let month = LogClock.month(bytes) else { return nil }
        index = probe
        return month
    }
}
