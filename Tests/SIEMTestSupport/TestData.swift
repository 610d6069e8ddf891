import Foundation

/// Where the test data lives: the repository's own fixtures, and the shared public samples that
/// only this project's CI has beside the clone.
///
/// The shared folder is `SIEM_TESTDATA` when set, else `../shared/testdata` next to the repository.
/// Tests that need it are enabled only when it is there (`.enabled(if: TestData.sharedAvailable,
/// Comment(rawValue: TestData.sharedMissingReason))`), so a fresh clone passes its own tests; with
/// `SIEM_REQUIRE_TESTDATA=1` (set by `.ci/run`) a missing folder fails the run instead of skipping.
public enum TestData {
    /// The repository's root folder.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Fixtures kept in the repository (`Tests/Fixtures`): this project's own generated samples
    /// under `synthetic/`.
    public static let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures")

    /// The shared public samples.
    public static let shared: URL = {
        if let path = ProcessInfo.processInfo.environment["SIEM_TESTDATA"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata")
    }()

    /// True when the shared samples are present, or when `SIEM_REQUIRE_TESTDATA` is set (so the
    /// tests run and fail on the missing files instead of being skipped).
    public static var sharedAvailable: Bool {
        sharedPresent || ProcessInfo.processInfo.environment["SIEM_REQUIRE_TESTDATA"].map { !$0.isEmpty } == true
    }

    /// True when the shared samples folder exists.
    public static var sharedPresent: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: shared.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The reason shown for a test skipped because the shared samples are absent.
    public static var sharedMissingReason: String {
        "needs the shared samples at \(shared.path) (set SIEM_TESTDATA to their folder)"
    }
}
