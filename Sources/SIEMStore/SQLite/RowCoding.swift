import Foundation
import SIEMCore

/// Running totals, so `/health` never counts rows.
final class Totals: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var events: Int
    private var alerts: Int

    init(events: Int, alerts: Int) {
        self.events = events
        self.alerts = alerts
    }

    func add(events: Int, alerts: Int) {
        lock.lock()
        self.events += events
        self.alerts += alerts
        lock.unlock()
    }

    var snapshot: StoreCounts {
        lock.lock()
        defer { lock.unlock() }
        return StoreCounts(events: events, alerts: alerts)
    }
}

@inline(__always) func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
@inline(__always) func date(_ micros: Int64) -> Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }

func decodeObject(_ text: String) -> [String: JSONValue] {
    guard text != "{}" else { return [:] }
    guard case .object(let members)? = try? JSONParser.parse(Array(text.utf8)) else { return [:] }
    return members
}

/// A stored JSON array of strings (`ips`, `tags`).
func decodeStrings(_ text: String) -> [String] {
    guard text != "[]", case .array(let items)? = try? JSONParser.parse(Array(text.utf8)) else { return [] }
    return items.compactMap(\.stringValue)
}
