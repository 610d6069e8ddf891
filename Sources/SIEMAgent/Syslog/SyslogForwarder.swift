import Logging
import NIOCore

/// Takes messages from the queue, encodes them as events and ships them in batches. After a
/// shutdown request it sends what is buffered until the drain timeout.
struct SyslogForwarder: Sendable {
    let queue: MessageQueue
    let shipper: Shipper
    let encoder: EventEncoder
    let limits: BatchLimits
    let shutdown: ShutdownSignal
    let logger: Logger

    func run() async {
        var lines: [[UInt8]] = []
        var bytes = 0
        var started = ContinuousClock.now
        while true {
            let stopping = shutdown.isRequested
            for message in queue.take(maxCount: limits.events - lines.count) {
                let fields: [(String, FieldValue)] = [
                    ("peer", .string(message.peer)), ("transport", .string(message.transport)),
                ]
                let encoded = encoder.encode(
                    message: message.bytes.readableBytesView, fields: fields, truncated: message.truncated)
                if encoded.truncated { shipper.counters.add { $0.truncated += 1 } }
                if lines.isEmpty { started = .now }
                lines.append(encoded.line)
                bytes += encoded.line.count + 1
            }
            let full = lines.count >= limits.events || bytes >= limits.bytes
            if !lines.isEmpty, full || stopping || ContinuousClock.now - started >= limits.wait {
                let delivered = await shipper.ship(lines, limits: limits) { _ in }
                if !delivered {
                    let lost = lines.count + queue.count
                    shipper.counters.add { $0.dropped += lost }
                    logger.error("drain timeout: buffered messages not delivered", metadata: ["lost": "\(lost)"])
                    return
                }
                lines = []
                bytes = 0
                continue
            }
            if stopping, lines.isEmpty, queue.count == 0 { return }
            if !full { try? await Task.sleep(for: .milliseconds(lines.isEmpty ? 50 : 10)) }
        }
    }
}
