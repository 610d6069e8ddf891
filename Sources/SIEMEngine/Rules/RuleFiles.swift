import Foundation
import SIEMRules

/// Reads rules from disk for `RuleCollection`: `SIEM_RULES`/`--rules` name files and folders,
/// separated by commas; a folder gives every `.yml`/`.yaml` file below it, recursively, in path
/// order (bytewise), so the order never depends on the filesystem.
public enum RuleFiles {
    /// The paths of a comma-separated list, trimmed, empty entries dropped.
    public static func paths(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The rules files that `list` names, in load order; a named path that does not exist throws.
    public static func files(_ list: String) throws(RuleError) -> [String] {
        var files: [String] = []
        for path in paths(list) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw RuleError(file: path, problem: "no such file or folder")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            var found: [String] = []
            if let walker = FileManager.default.enumerator(atPath: path) {
                while let name = walker.nextObject() as? String {
                    guard name.hasSuffix(".yml") || name.hasSuffix(".yaml") else { continue }
                    found.append((path as NSString).appendingPathComponent(name))
                }
            }
            files += found.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        return files
    }

    /// Compiles one file; a file that cannot be read is a result with a failure.
    public static func compile(file path: String, options: RuleCollection.Options) -> RuleCollection.FileResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            return failed(path, "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return failed(path, "the file is not UTF-8 text")
        }
        return RuleCollection.compile(RuleLoader.File(path: path, text: text), options: options)
    }

    private static func failed(_ path: String, _ reason: String) -> RuleCollection.FileResult {
        RuleCollection.FileResult(
            path: path, skipped: [SkippedRule(file: path, format: .native, reason: reason)], failure: reason)
    }

    /// Every file's result, in load order.
    public static func compile(_ list: String, options: RuleCollection.Options = .init()) throws(RuleError)
        -> [RuleCollection.FileResult]
    {
        try files(list).map { compile(file: $0, options: options) }
    }

    /// The rule set `list` names. Rules that cannot load are in `skipped`; only a path that does
    /// not exist throws.
    public static func load(path list: String, options: RuleCollection.Options = .init()) throws(RuleError) -> RuleSet {
        RuleCollection.assemble(try compile(list, options: options))
    }

    /// The Sigma configuration at `path` (nil: the empty configuration).
    public static func sigmaConfig(path: String?) throws(RuleError) -> SigmaConfig {
        guard let path else { return .empty }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw RuleError(file: path, problem: "cannot read the Sigma configuration")
        }
        return try SigmaConfig.parse(yaml: text, file: path)
    }
}
