import Foundation

/// A length of time as rules write it: a positive whole number and a lowercase unit, `s`, `m`, `h`
/// or `d` (`30s`, `5m`, `1h`, `2d`): Sigma's `timespan`, and native `within` and `for`.
public enum Timespan {
    /// The seconds `text` stands for, or nil when it is not of that form.
    public static func parse(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let seconds = Self.unitSeconds[unit] else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let count = Int(digits), count > 0
        else { return nil }
        return TimeInterval(count) * seconds
    }

    /// What a bad timespan says, for errors.
    static let expected = "a positive whole number and a unit, s, m, h or d (30s, 5m, 1h, 2d)"

    private static let unitSeconds: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
}
