import ArgumentParser

/// Release-mode benchmarks: `swift run -c release siem-bench <subcommand>`.
/// Each subcommand prints absolute figures and, where it has one, the ratio to its ceiling.
@main
struct SiemBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siem-bench",
        abstract: "swift-siem benchmarks (run in release mode).",
        subcommands: [
            SuiteBench.self, BulkIngest.self, RulesBench.self, DecodeBench.self, IOCBench.self, ConcurrentIngest.self,
            NormalizeBench.self, CorrelationBench.self, AnalyzeBench.self, CeilingBench.self,
        ]
    )
}
