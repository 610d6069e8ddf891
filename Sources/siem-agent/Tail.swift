import ArgumentParser
import Logging
import SIEMAgent

extension SiemAgent {
    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow log files (paths or globs) and ship every line to siemd, exactly once.",
            discussion: """
                A file seen for the first time is read from its start (--from-end: from its end, for \
                files present at startup). Positions are saved in the --state file after siemd \
                acknowledges each batch; after a restart or a crash reading resumes there, and siemd \
                drops the lines it already stored (each line names its file's stream and byte range). \
                Renamed files are read to their end, truncated or replaced files from their start. \
                With --once, every matching file is shipped to its end, then the agent exits: 0 when \
                every line was stored, 1 when some went to the dead-letter file, 75 when stopped \
                before the end. SIEM_API_KEY, when set, is sent as x-api-key.
                """)

        @Option(name: .customLong("file"), help: "A file or glob to follow; repeat for more.")
        var files: [String]
        @Option(
            help: ArgumentHelp(
                "How lines are read: auto, json or text.",
                discussion:
                    "auto: a line that is a JSON object is sent as its members, any other as text. json: like auto, but a line that is not a JSON object is flagged `fields.format_error`. text: every line is the message."
            ))
        var format: LineFormat = .auto
        @Flag(help: "Ship every matching file to its end, wait for siemd's acknowledgements, save positions, exit.")
        var once = false
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
            // Every file of a --once run is found at its start: --from-end would skip the lines of
            // every file rotated in between two runs.
            guard !(once && fromEnd) else {
                throw ValidationError("--from-end cannot go with --once: a --once run ships what is in the files")
            }
        }

        func run() async throws {
            let logger = SiemAgent.makeLogger(label: "siem-agent.tail")
            let configuration = TailConfiguration(
                files: files, format: format, once: once, source: source, logType: logType, host: host,
                fromEnd: fromEnd, statePath: state, deadLetterPath: deadLetter, maxLineBytes: maxLineBytes,
                partialLineTimeout: .milliseconds(Int(partialLineTimeout * 1000)), shipping: shipping.configuration)
            let outcome: TailAgent.Outcome
            do {
                outcome = try await TailAgent(configuration: configuration, logger: logger).run()
            } catch {
                throw ValidationError(error.description)
            }
            guard once else { return }
            if outcome.deadLettered > 0 {
                logger.error(
                    "siemd refused some lines; they are in the dead-letter file",
                    metadata: [
                        "counters.dead_lettered": "\(outcome.deadLettered)",
                        "file.path": "\(configuration.deadLetterPath)",
                    ])
                throw ExitCode.failure
            }
            guard outcome.complete else {
                logger.warning("stopped before every file was shipped to its end; the next run resumes")
                throw ExitCode(75)
            }
            logger.info(
                "every file shipped to its end",
                metadata: ["counters.sent": "\(outcome.stored)", "counters.duplicates": "\(outcome.duplicates)"])
        }
    }
}

extension LineFormat: ExpressibleByArgument {}
