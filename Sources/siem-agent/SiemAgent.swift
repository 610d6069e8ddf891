import ArgumentParser

@main
struct SiemAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siem-agent",
        abstract: "Ship log files (tail), network syslog (syslog) and endpoint telemetry (edr) to siemd.",
        subcommands: [Tail.self, Syslog.self, Edr.self]
    )
}
