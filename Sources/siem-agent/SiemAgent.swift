import ArgumentParser

@main
struct SiemAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siem-agent",
        abstract: "Ship logs and endpoint telemetry to siemd (tail, syslog and edr arrive with their issues).",
        subcommands: [Tail.self, Syslog.self]
    )
}
