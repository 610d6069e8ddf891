import SIEMCore

/// Chooses, per event, the few rules worth evaluating.
///
/// Each rule gets a guard derived from its condition: literals that must occur in a field
/// (`contains`, prefixes, regex prefilters) or values a field must equal. One Aho–Corasick pass
/// per field finds the literals present and one hash lookup per field value finds the equalities,
/// so the cost per event grows with the text, not with the number of rules. Rules without a
/// guard (`not`, `exists`) are always evaluated. Guards only select candidates: every candidate is
/// then evaluated in full, so the index can never change a result.
struct RuleIndex: Sendable {
    private enum Trigger: Hashable {
        case literal(FieldRef, Needle)
        case equals(FieldRef, String, ignoreCase: Bool)
    }

    private struct Guard {
        var triggers: [Trigger]
        /// Higher is more selective: an equality beats any literal; longer literals beat shorter.
        var score: Int
    }

    private struct FieldLiterals: Sendable {
        var field: FieldRef
        var automaton: LiteralAutomaton
        var rulesByNeedle: [[Int32]]
    }

    private let ruleCount: Int
    private let unguarded: [Int32]
    private let literalFields: [FieldLiterals]
    private let exactEquals: [FieldRef: [String: [Int32]]]
    private let foldedEquals: [FieldRef: [String: [Int32]]]

    init(rules: [Rule]) {
        self.init(conditions: rules.map(\.condition))
    }

    /// Calls `body` with the position of every rule that matches `event`, in rule order.
    func forEachMatch(in event: Event, rules: [Rule], _ body: (Int) -> Void) {
        for position in candidates(for: event) where rules[position].matches(event) { body(position) }
    }

    init(conditions: [Condition]) {
        ruleCount = conditions.count
        var unguarded: [Int32] = []
        var literalNeedles: [FieldRef: [Needle: [Int32]]] = [:]
        var exactEquals: [FieldRef: [String: [Int32]]] = [:]
        var foldedEquals: [FieldRef: [String: [Int32]]] = [:]
        for (index, condition) in conditions.enumerated() {
            let rule = Int32(index)
            guard let ruleGuard = Self.guardOf(condition) else {
                unguarded.append(rule)
                continue
            }
            for trigger in Set(ruleGuard.triggers) {
                switch trigger {
                case .literal(let field, let needle):
                    literalNeedles[field, default: [:]][needle, default: []].append(rule)
                case .equals(let field, let value, let ignoreCase):
                    if ignoreCase {
                        foldedEquals[field, default: [:]][value, default: []].append(rule)
                    } else {
                        exactEquals[field, default: [:]][value, default: []].append(rule)
                    }
                }
            }
        }
        self.unguarded = unguarded
        self.exactEquals = exactEquals
        self.foldedEquals = foldedEquals
        literalFields = literalNeedles.map { field, needles in
            let ordered = Array(needles)
            return FieldLiterals(
                field: field,
                automaton: LiteralAutomaton(needles: ordered.map { $0.key.bytes }),
                rulesByNeedle: ordered.map { $0.value })
        }
    }

    private static func guardOf(_ condition: Condition) -> Guard? {
        switch condition {
        case .contains(let field, let needles), .startsWith(let field, let needles), .endsWith(let field, let needles):
            return literalGuard(field, needles)
        case .regex(let field, _, let prefilter):
            return prefilter.flatMap { literalGuard(field, $0) }
        case .equals(let field, let needles):
            guard !needles.isEmpty, needles.allSatisfy({ !$0.ignoreCase || $0.isASCII }) else { return nil }
            return Guard(triggers: needles.map { .equals(field, $0.text, ignoreCase: $0.ignoreCase) }, score: 1000)
        case .all(let children):
            return children.compactMap(guardOf).max { $0.score < $1.score }
        case .any(let children):
            var triggers: [Trigger] = []
            var score = Int.max
            for child in children {
                guard let childGuard = guardOf(child) else { return nil }
                triggers += childGuard.triggers
                score = min(score, childGuard.score)
            }
            return triggers.isEmpty ? nil : Guard(triggers: triggers, score: score)
        case .not, .exists:
            return nil
        }
    }

    private static func literalGuard(_ field: FieldRef, _ needles: [Needle]) -> Guard? {
        // Non-ASCII case-insensitive needles cannot be found with ASCII folding: no guard.
        guard !needles.isEmpty, needles.allSatisfy({ !$0.bytes.isEmpty && (!$0.ignoreCase || $0.isASCII) }) else {
            return nil
        }
        return Guard(triggers: needles.map { .literal(field, $0) }, score: needles.map(\.bytes.count).min() ?? 0)
    }

    /// Indexes of the rules to evaluate for `event`, in rule order.
    func candidates(for event: Event) -> [Int] {
        var selected = [Bool](repeating: false, count: ruleCount)
        for rule in unguarded { selected[Int(rule)] = true }
        for entry in literalFields {
            _ = entry.field.anyValue(in: event) { value in
                entry.automaton.scan(value) { needle in
                    for rule in entry.rulesByNeedle[Int(needle)] { selected[Int(rule)] = true }
                }
                return false
            }
        }
        for (field, table) in exactEquals {
            _ = field.anyValue(in: event) { value in
                for rule in table[value] ?? [] { selected[Int(rule)] = true }
                return false
            }
        }
        for (field, table) in foldedEquals {
            _ = field.anyValue(in: event) { value in
                for rule in table[value.lowercased()] ?? [] { selected[Int(rule)] = true }
                return false
            }
        }
        var result: [Int] = []
        for index in 0..<ruleCount where selected[index] { result.append(index) }
        return result
    }
}
