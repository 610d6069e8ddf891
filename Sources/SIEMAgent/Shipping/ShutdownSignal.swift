import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// SIGTERM and SIGINT as a flag the agent's loops check: they stop taking input, drain what is in
/// flight for at most the drain timeout, save positions and return.
final class ShutdownSignal: @unchecked Sendable {  // `sources` is written once in init, then only kept alive
    private let requestedAt = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
    private var sources: [any DispatchSourceSignal] = []
    let drainTimeout: Duration

    init(drainTimeout: Duration, trapping signals: [Int32] = [SIGTERM, SIGINT]) {
        self.drainTimeout = drainTimeout
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [requestedAt] in
                requestedAt.withLockedValue { $0 = $0 ?? .now }
            }
            source.resume()
            sources.append(source)
        }
    }

    func request() { requestedAt.withLockedValue { $0 = $0 ?? .now } }

    var isRequested: Bool { requestedAt.withLockedValue { $0 } != nil }

    /// True once shutdown was requested longer ago than the drain timeout: give up in-flight work.
    var drainExpired: Bool {
        guard let at = requestedAt.withLockedValue({ $0 }) else { return false }
        return ContinuousClock.now - at >= drainTimeout
    }

    /// Sleeps for `duration`, waking early when shutdown is requested (or, with `untilDrainExpires`,
    /// only when the drain timeout runs out).
    func sleep(_ duration: Duration, untilDrainExpires: Bool = false) async {
        let end = ContinuousClock.now + duration
        while ContinuousClock.now < end {
            if untilDrainExpires ? drainExpired : isRequested { return }
            let slice = min(end - ContinuousClock.now, .milliseconds(50))
            try? await Task.sleep(for: slice)
        }
    }
}
