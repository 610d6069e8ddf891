import SIEMCore

/// Resolves the references of Sigma correlation rules (by `name` or `id`, to rules or to other
/// correlations) across every loaded file. A reference to a native rule with a `threshold` means
/// its threshold alerts (its threshold correlation), not its matching events. A correlation whose reference names nothing, that is
/// part of a cycle, whose id is taken, or that references a skipped correlation is skipped with the
/// reason; the others load.
enum CorrelationResolver {
    enum Target: Hashable {
        case rule(Int)
        case correlation(Int)
        /// A native rule with a `threshold`: its threshold correlation (which `RuleSet` appends
        /// after the Sigma correlations, in rule order).
        case threshold(Int)
    }

    static func resolve(_ definitions: [CorrelationRule], rules: [Rule]) -> (
        correlations: [CorrelationRule], skipped: [SkippedRule]
    ) {
        var reasons = [String?](repeating: nil, count: definitions.count)
        var ruleNames: [String: Int] = [:]
        var ruleIDs: [String: Int] = [:]
        for (index, rule) in rules.enumerated() {
            if let name = rule.metadata.name, ruleNames[name] == nil { ruleNames[name] = index }
            if ruleIDs[rule.id] == nil { ruleIDs[rule.id] = index }
        }
        var names: [String: Int] = [:]
        var ids: [String: Int] = [:]
        for (index, definition) in definitions.enumerated() {
            if ruleIDs[definition.id] != nil || ids[definition.id] != nil {
                let other =
                    ruleIDs[definition.id].map { rules[$0].metadata.file }
                    ?? definitions[ids[definition.id]!].metadata.file
                reasons[index] = "duplicate id (also in \(other))"
                continue
            }
            ids[definition.id] = index
            if let name = definition.metadata.name, names[name] == nil { names[name] = index }
        }
        func rule(_ index: Int) -> Target { rules[index].threshold == nil ? .rule(index) : .threshold(index) }
        func target(_ reference: String) -> Target? {
            if let index = names[reference] { return .correlation(index) }
            if let index = ruleNames[reference] { return rule(index) }
            if let index = ids[reference] { return .correlation(index) }
            if let index = ruleIDs[reference] { return rule(index) }
            return nil
        }
        var targets = [[Target]](repeating: [], count: definitions.count)
        for (index, definition) in definitions.enumerated() where reasons[index] == nil {
            for reference in definition.inputNames {
                guard let found = target(reference) else {
                    reasons[index] = "references `\(reference)`, which names no loaded rule or correlation"
                    break
                }
                if found == .correlation(index) {
                    reasons[index] = "references itself"
                    break
                }
                targets[index].append(found)
            }
        }
        markCycles(targets, definitions: definitions, reasons: &reasons)
        // A correlation over a skipped one is skipped too, until nothing changes.
        var changed = true
        while changed {
            changed = false
            for index in definitions.indices where reasons[index] == nil {
                for case .correlation(let inner) in targets[index] where reasons[inner] != nil {
                    reasons[index] = "references `\(definitions[inner].id)`, which was skipped"
                    changed = true
                    break
                }
            }
        }
        var position: [Int: Int] = [:]
        for index in definitions.indices where reasons[index] == nil { position[index] = position.count }
        var thresholdPosition: [Int: Int] = [:]
        for index in rules.indices where rules[index].threshold != nil {
            thresholdPosition[index] = position.count + thresholdPosition.count
        }
        var correlations: [CorrelationRule] = []
        var skipped: [SkippedRule] = []
        for (index, definition) in definitions.enumerated() {
            if let reason = reasons[index] {
                skipped.append(
                    SkippedRule(
                        file: definition.metadata.file, ruleID: definition.id, title: definition.title, format: .sigma,
                        reason: reason))
                continue
            }
            var correlation = definition
            correlation.inputs = targets[index].map { target in
                switch target {
                case .rule(let rule): .rule(rule)
                case .correlation(let inner): .correlation(position[inner]!)
                case .threshold(let rule): .correlation(thresholdPosition[rule]!)
                }
            }
            // An alias may name a referenced rule by its name or its id, whichever `rules` used.
            for (alias, perRule) in correlation.aliases {
                var normalized = perRule
                for (written, field) in perRule {
                    guard let aliasTarget = target(written) else { continue }
                    for (input, reference) in correlation.inputNames.enumerated()
                    where targets[index][input] == aliasTarget && normalized[reference] == nil {
                        normalized[reference] = field
                    }
                }
                correlation.aliases[alias] = normalized
            }
            correlations.append(correlation)
        }
        return (correlations, skipped)
    }

    /// Marks every correlation that lies on a cycle of references.
    private static func markCycles(_ targets: [[Target]], definitions: [CorrelationRule], reasons: inout [String?]) {
        enum Color { case white, grey, black }
        var color = [Color](repeating: .white, count: targets.count)
        var path: [Int] = []
        func visit(_ node: Int) {
            color[node] = .grey
            path.append(node)
            for case .correlation(let next) in targets[node] {
                switch color[next] {
                case .white: visit(next)
                case .grey:
                    if let start = path.lastIndex(of: next) {
                        let cycle = path[start...].map { definitions[$0].id } + [definitions[next].id]
                        for member in path[start...] where reasons[member] == nil {
                            reasons[member] = "its references form a cycle (\(cycle.joined(separator: " → ")))"
                        }
                    }
                case .black: continue
                }
            }
            path.removeLast()
            color[node] = .black
        }
        for node in targets.indices where color[node] == .white { visit(node) }
    }
}
