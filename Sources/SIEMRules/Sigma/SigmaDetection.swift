import Foundation
import Yams

/// Compiles a Sigma `detection` section into one `Condition`: each search identifier into a
/// condition, then the `condition` expression over them. Kept apart from the rule's metadata so
/// correlation rules can reuse the compiled detections of the rules they name.
public enum SigmaDetection {
    /// The detection's condition, or why it cannot be compiled.
    public static func compile(_ detection: Node, config: SigmaConfig) throws(SigmaCompileError) -> Condition {
        guard let mapping = detection.mapping else { throw SigmaCompileError("`detection` must be a mapping") }
        var searches: [(name: String, condition: Condition)] = []
        var conditionNode: Node?
        for (key, value) in mapping {
            guard let name = key.string else { throw SigmaCompileError("a search identifier must be a string") }
            switch name {
            case "condition": conditionNode = value
            case "timeframe": continue
            default:
                do {
                    searches.append((name, try search(value, config: config)))
                } catch {
                    throw SigmaCompileError("search `\(name)`: \(error.reason)")
                }
            }
        }
        guard let conditionNode else { throw SigmaCompileError("`detection` has no `condition`") }
        let expressions: [String]
        if let sequence = conditionNode.sequence {
            expressions = sequence.compactMap(\.string)
            guard expressions.count == sequence.count, !expressions.isEmpty else {
                throw SigmaCompileError("`condition` must be a string or a list of strings")
            }
        } else if let text = conditionNode.string {
            expressions = [text]
        } else {
            throw SigmaCompileError("`condition` must be a string or a list of strings")
        }
        let conditions = try expressions.map { (text) throws(SigmaCompileError) in
            try SigmaConditionParser.parse(text, searches: searches)
        }
        return conditions.count == 1 ? conditions[0] : .any(conditions)
    }

    /// One search identifier's value: a mapping (all of its items), a list of mappings (any of
    /// them), or keywords (a list of values, or one value, found in any text of the event).
    static func search(_ node: Node, config: SigmaConfig) throws(SigmaCompileError) -> Condition {
        switch node {
        case .mapping(let mapping):
            guard !mapping.isEmpty else { throw SigmaCompileError("empty search") }
            var items: [Condition] = []
            for (key, value) in mapping {
                guard let name = key.string else { throw SigmaCompileError("a field name must be a string") }
                items.append(try item(name, value, config: config))
            }
            return items.count == 1 ? items[0] : .all(items)
        case .sequence(let sequence):
            guard !sequence.isEmpty else { throw SigmaCompileError("empty search") }
            var alternatives: [Condition] = []
            var keywords: [Node] = []
            for element in sequence {
                if case .scalar = element {
                    keywords.append(element)
                } else {
                    alternatives.append(try search(element, config: config))
                }
            }
            if !keywords.isEmpty {
                alternatives.append(try item("", .sequence(Node.Sequence(keywords)), config: config))
            }
            return alternatives.count == 1 ? alternatives[0] : .any(alternatives)
        case .scalar: return try item("", node, config: config)
        case .alias: throw SigmaCompileError("YAML aliases are not supported in detections")
        }
    }

    /// One `field|modifier|…: value(s)` item; an empty field name is a keyword search.
    static func item(_ key: String, _ node: Node, config: SigmaConfig) throws(SigmaCompileError) -> Condition {
        let pieces = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let fieldName = pieces[0]
        let modifiers = Array(pieces.dropFirst())
        if modifiers.contains("") { throw SigmaCompileError("empty modifier in `\(key)`") }
        let isKeyword = fieldName.isEmpty
        let field = isKeyword ? FieldRef.keywords : reference(for: fieldName, config: config)
        let valueNodes: [Node]
        switch node {
        case .sequence(let sequence):
            guard !sequence.isEmpty else { throw SigmaCompileError("`\(key)` has an empty list") }
            valueNodes = Array(sequence)
        case .scalar: valueNodes = [node]
        default: throw SigmaCompileError("`\(key)` must have a value or a list of values")
        }
        let matchAll = modifiers.contains("all")
        let valueModifiers = modifiers.filter { !SigmaValue.itemModifiers.contains($0) }
        var perValue: [Condition] = []
        for valueNode in valueNodes {
            var values = [try SigmaValue(valueNode)]
            var applied: [String] = []
            for modifier in valueModifiers {
                var next: [SigmaValue] = []
                for value in values { next += try value.applying(modifier, applied: applied, config: config) }
                values = next
                applied.append(modifier)
            }
            if isKeyword {
                // Keywords are searched anywhere in a text, as a full-text search does.
                values = values.map { value in
                    switch value {
                    case .string, .number, .bool:
                        return .string(value.asString!.wrapped(before: true, after: true), cased: value.isCased)
                    default: return value
                    }
                }
            }
            let conditions = try values.map { (value) throws(SigmaCompileError) in
                try condition(value, field: field, config: config)
            }
            perValue.append(SigmaConditionBuilder.any(conditions))
        }
        let combined = matchAll ? SigmaConditionBuilder.all(perValue) : SigmaConditionBuilder.any(perValue)
        return modifiers.contains("neq") ? .not(combined) : combined
    }

    /// Where a Sigma field name is read: the configured paths in order, else `fields.<name>`;
    /// `fields.` paths match the key case-insensitively.
    static func reference(for name: String, config: SigmaConfig) -> FieldRef {
        let references = config.paths(for: name).map { path -> FieldRef in
            if path.hasPrefix("fields."), path.count > "fields.".count {
                return .fieldsIgnoringCase(path.dropFirst("fields.".count).split(separator: ".").map(String.init))
            }
            return FieldRef(path: path)
        }
        return references.count == 1 ? references[0] : .firstPresent(references)
    }

    /// The condition one final value sets on the field.
    static func condition(_ value: SigmaValue, field: FieldRef, config: SigmaConfig) throws(SigmaCompileError)
        -> Condition
    {
        switch value {
        case .string(let string, let cased):
            return SigmaConditionBuilder.match(string, ignoreCase: !cased, field: field)
        case .number(let number, let text):
            // An integer compares as its decimal text: equal to an event number of that value
            // (rendered the same) and to a string spelling it so.
            if number.rounded() == number { return .equals(field, [Needle(text, ignoreCase: false)]) }
            return .compare(field, NumericComparison(.equal, number))
        case .bool(let flag): return .equals(field, [Needle(flag ? "true" : "false", ignoreCase: true)])
        case .null: return .exists(field, false)
        case .regex(let pattern, let flags):
            let (expression, prefilter) = try SigmaRegex.compile(pattern, flags: flags)
            return .regex(field, expression, prefilter: prefilter)
        case .cidr(let network):
            let patterns = try SigmaCIDR.patterns(network)
            return SigmaConditionBuilder.any(
                patterns.map { SigmaConditionBuilder.match(SigmaString(parsing: $0), ignoreCase: true, field: field) })
        case .compare(let comparison): return .compare(field, comparison)
        case .exists(let flag): return .exists(field, flag)
        case .fieldReference(let name, let kind):
            return .fieldReference(field, FieldReference(field: reference(for: name, config: config), kind: kind))
        case .time(let component, let number): return .timeComponent(field, component, number)
        }
    }
}

/// Builds the conditions Sigma values compile to, in the forms the index can guard.
enum SigmaConditionBuilder {
    /// A Sigma string on a field: equality, prefix, suffix or substring as a `Needle` when it has
    /// only leading/trailing `*`, else a wildcard pattern.
    static func match(_ string: SigmaString, ignoreCase: Bool, field: FieldRef) -> Condition {
        var string = string
        string.merge()
        let parts = string.parts
        func needle(_ text: String) -> [Needle] { [Needle(text, ignoreCase: ignoreCase)] }
        // Case-insensitive non-ASCII text goes to a pattern, which the index can still guard by an
        // ASCII run (a `Needle` of it could not be guarded at all).
        let unicode =
            ignoreCase && parts.contains { if case .text(let text) = $0 { !text.allSatisfy(\.isASCII) } else { false } }
        if unicode { return .wildcard(field, [WildcardPattern(parts, ignoreCase: true)]) }
        switch parts.count {
        case 0: return .equals(field, needle(""))
        case 1:
            if case .text(let text) = parts[0] { return .equals(field, needle(text)) }
            if parts[0] == .many { return .exists(field, true) }
        case 2:
            if parts[0] == .many, case .text(let text) = parts[1] { return .endsWith(field, needle(text)) }
            if parts[1] == .many, case .text(let text) = parts[0] { return .startsWith(field, needle(text)) }
        case 3:
            if parts[0] == .many, parts[2] == .many, case .text(let text) = parts[1] {
                return .contains(field, needle(text))
            }
        default: break
        }
        return .wildcard(field, [WildcardPattern(parts, ignoreCase: ignoreCase)])
    }

    /// Any of `conditions`, with the needles and patterns of one kind on one field merged into one
    /// condition (one literal set for the index, one pass over the value).
    static func any(_ conditions: [Condition]) -> Condition {
        var merged: [Condition] = []
        for condition in conditions {
            if case .any(let inner) = condition {
                for child in inner { add(child, to: &merged) }
            } else {
                add(condition, to: &merged)
            }
        }
        return merged.count == 1 ? merged[0] : .any(merged)
    }

    private static func add(_ condition: Condition, to merged: inout [Condition]) {
        for (index, existing) in merged.enumerated() {
            if let joined = join(existing, condition) {
                merged[index] = joined
                return
            }
        }
        merged.append(condition)
    }

    static func all(_ conditions: [Condition]) -> Condition {
        conditions.count == 1 ? conditions[0] : .all(conditions)
    }

    private static func join(_ first: Condition, _ second: Condition) -> Condition? {
        switch (first, second) {
        case (.equals(let a, let x), .equals(let b, let y)) where a == b: .equals(a, x + y)
        case (.contains(let a, let x), .contains(let b, let y)) where a == b: .contains(a, x + y)
        case (.startsWith(let a, let x), .startsWith(let b, let y)) where a == b: .startsWith(a, x + y)
        case (.endsWith(let a, let x), .endsWith(let b, let y)) where a == b: .endsWith(a, x + y)
        case (.wildcard(let a, let x), .wildcard(let b, let y)) where a == b: .wildcard(a, x + y)
        default: nil
        }
    }
}
