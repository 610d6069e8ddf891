/// Why a rules file could not be loaded. The description names the file, the rule and the problem.
public struct RuleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var ruleID: String?
    public var line: Int?
    public var problem: String

    public init(file: String, ruleID: String? = nil, line: Int? = nil, problem: String) {
        self.file = file
        self.ruleID = ruleID
        self.line = line
        self.problem = problem
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let ruleID { text += ": rule `\(ruleID)`" }
        return text + ": " + problem
    }
}
