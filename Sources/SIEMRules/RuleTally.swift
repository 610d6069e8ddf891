/// What rule evaluation cost during one batch: how many events each rule was evaluated on (after
/// the index chose it) and, for sampled events, how long it took. Kept per batch without locks and
/// added to the running totals after it.
public struct RuleTally: Sendable {
    struct Entry: Sendable {
        var evaluations = 0
        var timed = 0
        var nanos: Int64 = 0
    }

    var entries: [Int: Entry] = [:]

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }

    mutating func evaluated(_ position: Int) {
        entries[position, default: Entry()].evaluations += 1
    }

    mutating func timed(_ position: Int, nanos: Int64) {
        entries[position, default: Entry()].timed += 1
        entries[position, default: Entry()].nanos += nanos
    }

    /// Calls `body` with each rule position, its evaluations, timed evaluations and their nanoseconds.
    public func forEach(_ body: (_ position: Int, _ evaluations: Int, _ timed: Int, _ nanos: Int64) -> Void) {
        for (position, entry) in entries { body(position, entry.evaluations, entry.timed, entry.nanos) }
    }
}
