import Yams

/// One value of a detection item while its modifiers are applied, in the order written
/// (`|base64offset|contains`: encode, then wrap); each modifier maps a value to one or more.
enum SigmaValue: Sendable, Hashable {
    case string(SigmaString, cased: Bool)
    /// A YAML number, and its decimal text (`4688`, `1.5`).
    case number(Double, text: String)
    case bool(Bool)
    case null
    case regex(String, SigmaRegex.Flags)
    case cidr(String)
    case compare(NumericComparison)
    case exists(Bool)
    case fieldReference(String, FieldReference.Kind)
    case time(TimeComponent, Int)

    /// The value a YAML scalar holds: PyYAML's (YAML 1.1) types, as pySigma reads them.
    init(_ node: Node) throws(SigmaCompileError) {
        guard case .scalar(let scalar) = node else { throw SigmaCompileError("a value must be a scalar") }
        switch Tag.Name(rawValue: node.tag.rawValue) {
        case .null: self = .null
        case .bool: self = .bool(node.bool ?? false)
        case .int:
            guard let value = node.int else { throw SigmaCompileError("bad integer `\(scalar.string)`") }
            self = .number(Double(value), text: String(value))
        case .float:
            guard let value = node.float, value.isFinite else {
                throw SigmaCompileError("bad number `\(scalar.string)`")
            }
            // pySigma keeps a float that is integral as an integer.
            let integral = value.rounded() == value && abs(value) < 1e15
            self = .number(value, text: integral ? String(Int64(value)) : String(value))
        default: self = .string(SigmaString(parsing: scalar.string), cased: false)
        }
    }

    /// The string a modifier made for strings sees: numbers and booleans as their text.
    var asString: SigmaString? {
        switch self {
        case .string(let string, _): string
        case .number(_, let text): SigmaString(parts: [.text(text)], original: text)
        case .bool(let flag): SigmaString(parts: [.text(flag ? "true" : "false")], original: flag ? "true" : "false")
        default: nil
        }
    }

    var isCased: Bool {
        if case .string(_, let cased) = self { return cased }
        return false
    }

    static let regexFlags: [String: SigmaRegex.Flags] = [
        "i": .ignoreCase, "ignorecase": .ignoreCase, "m": .multiline, "multiline": .multiline, "s": .dotAll,
        "dotall": .dotAll,
    ]

    /// The modifiers that concern the whole item rather than each value.
    static let itemModifiers: Set<String> = ["all", "neq"]

    /// Applies one modifier; `applied` are the value modifiers before it.
    func applying(_ modifier: String, applied: [String], config: SigmaConfig) throws(SigmaCompileError)
        -> [SigmaValue]
    {
        func needString() throws(SigmaCompileError) -> SigmaString {
            guard let string = asString else {
                throw SigmaCompileError("modifier `\(modifier)` does not apply to this value type")
            }
            return string
        }
        func plain(_ what: String) throws(SigmaCompileError) -> SigmaString {
            let string = try needString()
            guard !string.hasWildcards, string.placeholders.isEmpty else {
                throw SigmaCompileError("\(what) of a value with wildcards or placeholders is not possible")
            }
            return string
        }
        let cased = isCased
        switch modifier {
        case "contains", "startswith", "endswith":
            let before = modifier != "startswith"
            let after = modifier != "endswith"
            switch self {
            case .regex: return [self]  // `re.search` is unanchored: the wildcards add nothing
            case .fieldReference(let name, let kind):
                let combined: FieldReference.Kind
                switch (kind, modifier) {
                case (.equals, "startswith"): combined = .startsWith
                case (.equals, "endswith"): combined = .endsWith
                default: combined = .contains
                }
                return [.fieldReference(name, combined)]
            default: return [.string(try needString().wrapped(before: before, after: after), cased: cased)]
            }
        case "base64": return [.string(try plain("base64").base64(), cased: cased)]
        case "base64offset": return try plain("base64offset").base64Offsets().map { .string($0, cased: cased) }
        case "wide", "utf16le":
            return [.string(try needString().utf16(bigEndian: false, byteOrderMark: false), cased: cased)]
        case "utf16be": return [.string(try needString().utf16(bigEndian: true, byteOrderMark: false), cased: cased)]
        case "utf16": return [.string(try needString().utf16(bigEndian: false, byteOrderMark: true), cased: cased)]
        case "windash": return try needString().windashVariants().map { .string($0, cased: cased) }
        case "cased": return [.string(try needString(), cased: true)]
        case "expand":
            let string = try needString().withPlaceholders()
            for name in string.placeholders where config.placeholder(name) == nil {
                throw SigmaCompileError("unresolved placeholder %\(name)% (the Sigma configuration gives it no values)")
            }
            return string.expandingPlaceholders { name in
                (config.placeholder(name) ?? []).map { SigmaString(parsing: $0) }
            }.map { .string($0, cased: cased) }
        case "re":
            guard applied.isEmpty else { throw SigmaCompileError("`re` must be the first modifier") }
            return [.regex(try needString().original, [])]
        case _ where Self.regexFlags[modifier] != nil:
            guard case .regex(let pattern, let flags) = self else {
                throw SigmaCompileError("modifier `\(modifier)` needs `re` before it")
            }
            return [.regex(pattern, flags.union(Self.regexFlags[modifier]!))]
        case "cidr":
            guard applied.isEmpty else { throw SigmaCompileError("`cidr` must be the first modifier") }
            return [.cidr(try needString().original)]
        case "lt", "lte", "gt", "gte":
            guard case .number(let number, _) = self else {
                throw SigmaCompileError("modifier `\(modifier)` needs a number")
            }
            return [.compare(NumericComparison(NumericComparison.Operator(rawValue: modifier)!, number))]
        case "exists":
            guard case .bool(let flag) = self, applied.isEmpty else {
                throw SigmaCompileError("modifier `exists` needs true or false, unmodified")
            }
            return [.exists(flag)]
        case "fieldref":
            return [.fieldReference(try plain("fieldref").plainText ?? "", .equals)]
        case _ where TimeComponent(rawValue: modifier) != nil:
            guard case .number(let number, _) = self else {
                throw SigmaCompileError("modifier `\(modifier)` needs a number")
            }
            return [.time(TimeComponent(rawValue: modifier)!, Int(number))]
        default:
            throw SigmaCompileError("unknown modifier `\(modifier)`")
        }
    }
}
