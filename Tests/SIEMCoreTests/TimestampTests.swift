import Foundation
import Testing

@testable import SIEMCore

@Suite struct TimestampTests {
    /// A time read back from its microseconds (as the store keeps it) renders as it was sent.
    @Test func formatRoundsToTheNearestMillisecond() throws {
        for text in ["2026-11-29T09:00:01.001Z", "2026-11-29T09:00:01.999Z", "2026-11-29T09:00:01.250Z"] {
            let date = try #require(Timestamp.parse(text))
            let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
            #expect(Timestamp.format(Date(timeIntervalSince1970: micros / 1_000_000)) == text)
        }
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_942_801.9996)) == "2026-11-29T09:00:02.000Z")
    }
}
