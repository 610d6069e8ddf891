/// What `siem-agent tail` runs with.
public struct TailConfiguration: Sendable {
    /// Files or glob patterns to follow.
    var files: [String]
    /// How lines are read: JSON objects as their members, or text.
    var format: LineFormat
    /// Ship the files to their end once and return (see `TailAgent.run`).
    var once: Bool
    /// The events' `source`.
    var source: String
    /// Sent as `fields.log_type` when set.
    var logType: String?
    /// The events' `host`.
    var host: String
    /// Files found at startup without a saved position start at their end.
    var fromEnd: Bool
    /// The positions file.
    var statePath: String
    /// Where events siemd rejects are written.
    public private(set) var deadLetterPath: String
    /// Longer lines are cut to this many bytes and flagged `fields.truncated`.
    var maxLineBytes: Int
    /// How long a last line without newline waits before it is sent (flagged `fields.partial`).
    var partialLineTimeout: Duration
    var shipping: ShippingConfiguration

    /// Without `host`, this machine's name; without `statePath`, `data/tail-<hash of files>.json`;
    /// without `deadLetterPath`, `<statePath>.dead-letter.ndjson`.
    public init(
        files: [String], format: LineFormat = .auto, once: Bool = false, source: String, logType: String?,
        host: String?, fromEnd: Bool, statePath: String?,
        deadLetterPath: String?, maxLineBytes: Int, partialLineTimeout: Duration, shipping: ShippingConfiguration
    ) {
        let statePath = statePath ?? Self.defaultStatePath(files: files)
        self.files = files
        self.format = format
        self.once = once
        self.source = source
        self.logType = logType
        self.host = host ?? HostInfo.hostname()
        self.fromEnd = fromEnd
        self.statePath = statePath
        self.deadLetterPath = deadLetterPath ?? statePath + ".dead-letter.ndjson"
        self.maxLineBytes = maxLineBytes
        self.partialLineTimeout = partialLineTimeout
        self.shipping = shipping
    }

    /// A positions file per set of patterns, whatever their order.
    static func defaultStatePath(files: [String]) -> String {
        let hash = Fingerprint.hash(files.sorted().joined(separator: "\n").utf8)
        return "data/tail-\(String(hash, radix: 16)).json"
    }
}
