import ArgumentParser
import SIEMAgent

extension SiemAgent {
    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow log files (paths or globs) and ship every line to siemd, at least once.",
            discussion: """
                A file seen for the first time is read from its start (--from-end: from its end, for \
                files present at startup). Positions are saved in the --state file after siemd \
                acknowledges each batch; after a restart or a crash reading resumes there. Renamed \
                files are read to their end, truncated or replaced files from their start. \
                SIEM_API_KEY, when set, is sent as x-api-key.
                """)

        @Option(name: .customLong("file"), help: "A file or glob to follow; repeat for more.")
        var files: [String]
        @Option(help: "The events' `source`.") var source: String = "file"
        @Option(help: "Sent as `fields.log_type` (web, firewall, dns, dhcp, sudo, ...).") var logType: String?
        @Option(help: "The events' `host` (default: this machine's name).") var host: String?
        @Flag(help: "Start files found at startup without a saved position at their end.") var fromEnd = false
        @Option(help: "Positions file (default: data/tail-<hash of the --file values>.json).") var state: String?
        @Option(help: "Where events siemd rejects are written (default: <state>.dead-letter.ndjson).")
        var deadLetter: String?
        @Option(help: "Longer lines are cut to this many bytes and flagged `fields.truncated`.")
        var maxLineBytes: Int = 1 << 20
        @Option(help: "Seconds a last line without newline waits before it is sent (flagged `fields.partial`).")
        var partialLineTimeout: Double = 5
        @OptionGroup var shipping: ShippingOptions

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give at least one --file") }
            guard maxLineBytes >= 16 else { throw ValidationError("--max-line-bytes must be at least 16") }
            guard partialLineTimeout > 0 else { throw ValidationError("--partial-line-timeout must be positive") }
        }

        func run() async throws {
            let logger = SiemAgent.makeLogger(label: "siem-agent.tail")
            let configuration = TailConfiguration(
                files: files, source: source, logType: logType, host: host, fromEnd: fromEnd, statePath: state,
                deadLetterPath: deadLetter, maxLineBytes: maxLineBytes,
                partialLineTimeout: .milliseconds(Int(partialLineTimeout * 1000)), shipping: shipping.configuration)
            do {
                try await TailAgent(configuration: configuration, logger: logger).run()
            } catch {
                throw ValidationError(error.description)
            }
        }
    }
}
