/// When a batch is full enough or old enough to send.
struct BatchLimits: Sendable {
    var bytes: Int
    var events: Int
    var wait: Duration

    /// The largest single event: a body holds at least one event, plus a little room.
    var maxEventBytes: Int { bytes - 64 }
}
