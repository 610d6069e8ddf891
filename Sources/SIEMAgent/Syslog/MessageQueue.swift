import NIOConcurrencyHelpers
import NIOCore

/// The bounded buffer between the syslog listeners and the shipper. `offer` never waits: UDP drops
/// the newest message when it fails; TCP waits and tries again, which stops reading the socket.
final class MessageQueue: Sendable {
    private struct State {
        var items = CircularBuffer<SyslogMessage>()
        var bytes = 0
    }

    let maxMessages: Int
    let maxBytes: Int
    private let state = NIOLockedValueBox(State())

    init(maxMessages: Int, maxBytes: Int) {
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
    }

    /// Adds `message` unless the queue is full.
    func offer(_ message: SyslogMessage) -> Bool {
        state.withLockedValue { state in
            guard state.items.count < maxMessages,
                state.bytes + message.bytes.readableBytes <= maxBytes
                    || state.items.isEmpty
            else { return false }
            state.items.append(message)
            state.bytes += message.bytes.readableBytes
            return true
        }
    }

    /// Removes and returns up to `maxCount` messages, oldest first.
    func take(maxCount: Int) -> [SyslogMessage] {
        state.withLockedValue { state in
            var taken: [SyslogMessage] = []
            while taken.count < maxCount, let message = state.items.popFirst() {
                state.bytes -= message.bytes.readableBytes
                taken.append(message)
            }
            return taken
        }
    }

    var count: Int { state.withLockedValue { $0.items.count } }
}
