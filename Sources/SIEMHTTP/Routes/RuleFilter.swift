import SIEMEngine
import SIEMRules

/// The filters of `GET /rules`: `format`, `status`, `tag` (exact, any case) and `q` (a substring,
/// any case, of the id, title, author, file or a tag).
struct RuleFilter: Sendable {
    enum Status: String, CaseIterable, Sendable {
        case loaded, skipped
    }

    var format: RuleFormat?
    var status: Status?
    /// Lowercased.
    var tag: String?
    /// Lowercased.
    var text: String?

    init(format: RuleFormat? = nil, status: Status? = nil, tag: String? = nil, text: String? = nil) {
        self.format = format
        self.status = status
        self.tag = tag?.lowercased()
        self.text = text?.lowercased()
    }

    init(_ parameters: QueryParameters) throws(APIError) {
        var format: RuleFormat?
        if let name = parameters.string("format") {
            format = RuleFormat(rawValue: name.lowercased())
            guard format != nil else {
                throw .invalid("`format` must be one of \(RuleFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        var status: Status?
        if let name = parameters.string("status") {
            status = Status(rawValue: name.lowercased())
            guard status != nil else {
                throw .invalid("`status` must be one of \(Status.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        let tag = parameters.string("tag")
        let text = parameters.string("q")
        for (name, value) in [("tag", tag), ("q", text)] where (value?.count ?? 0) > Self.longest {
            throw .invalid("`\(name)` may be at most \(Self.longest) characters")
        }
        self.init(format: format, status: status, tag: tag, text: text)
    }

    static let longest = 512

    func admits(_ rule: RuleStatus) -> Bool {
        if let format, rule.format != format { return false }
        if let status, rule.status != status.rawValue { return false }
        if let tag, !rule.tags.contains(where: { $0.lowercased() == tag }) { return false }
        if let text {
            let fields = [rule.id, rule.title, rule.author, rule.file] + rule.tags
            if !fields.contains(where: { $0.lowercased().contains(text) }) { return false }
        }
        return true
    }
}
