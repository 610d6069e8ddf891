import Foundation
import SIEMTestSupport
import Testing

/// The log samples the rule tests replay, as paths relative to their folder.
enum SampleFiles {
    /// This project's own generated samples, kept in the repository (`Tests/Fixtures/synthetic`).
    static func synthetic() throws -> (folder: URL, files: [String]) {
        (TestData.fixtures, try list(TestData.fixtures).filter { $0.hasPrefix("synthetic/") })
    }

    /// The shared public samples (third-party captures), without the Sigma rules and without the
    /// synthetic folder, which the repository has.
    static func shared() throws -> (folder: URL, files: [String]) {
        (
            TestData.shared,
            try list(TestData.shared).filter { !$0.hasPrefix("sigma/") && !$0.hasPrefix("synthetic/") }
        )
    }

    /// The `.log`, `.json` and `.ndjson` files under `folder`, in name order.
    static func list(_ folder: URL) throws -> [String] {
        let enumerator = try #require(
            FileManager.default.enumerator(atPath: folder.path), "no sample folder at \(folder.path)")
        return enumerator.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".log") || $0.hasSuffix(".json") || $0.hasSuffix(".ndjson") }.sorted()
    }
}
