import Foundation
import SIEMRules

/// Reads rules from disk for `RuleLoader`: a rules file, or every `.yml`/`.yaml` file of a folder
/// in name order.
public enum RuleFiles {
    public static func load(path: String) throws(RuleError) -> RuleSet {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RuleError(file: path, problem: "no such file or folder")
        }
        var paths = [path]
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            paths = names.filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted().map {
                (path as NSString).appendingPathComponent($0)
            }
        }
        var files: [RuleLoader.File] = []
        for file in paths {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw RuleError(file: file, problem: "cannot read the file")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw RuleError(file: file, problem: "the file is not UTF-8 text")
            }
            files.append(RuleLoader.File(path: file, text: text))
        }
        return try RuleLoader.load(files)
    }
}
