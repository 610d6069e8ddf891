import SIEMCore

/// Chooses, per event, the few rules worth evaluating, in two levels.
///
/// Rules are grouped by scope: the rules of every event, and one group per logsource `key` (the
/// Sigma rules of one log source share it); rules that see no event are in no group. Per event,
/// each group's logsource condition is evaluated at most once, and the groups' conditions are
/// themselves indexed like rules (below), so an event tests only the groups whose literals or
/// equalities it holds (`event.code` 4688, `event.dataset` web). Only in the groups that hold
/// does the event consult that group's own index.
///
/// Each rule, and each group's condition, gets a guard derived from its condition: literals that
/// must occur in a field (`contains`, prefixes, regex prefilters, wildcard literals) or values a
/// field must equal. One Aho–Corasick pass per field finds the literals present and one hash
/// lookup per field value finds the equalities, so the cost per event grows with the text, not
/// with the number of rules. Conditions without a guard (`not`, `exists`) are always evaluated.
/// Guards only select candidates: every candidate is then evaluated in full, so the index can
/// never change a result.
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

    /// The literal and equality index of a list of conditions: which of them an event may satisfy.
    private struct Candidates: Sendable {
        /// A class, not a struct: the scan loop captures it in closures per field and per event,
        /// and copying a struct of five arrays cost more retains and releases than the scan itself.
        private final class FieldLiterals: Sendable {
            let field: FieldRef
            let automaton: LiteralAutomaton
            let conditionsByNeedle: [[Int32]]

            init(field: FieldRef, automaton: LiteralAutomaton, conditionsByNeedle: [[Int32]]) {
                self.field = field
                self.automaton = automaton
                self.conditionsByNeedle = conditionsByNeedle
            }
        }

        private let count: Int
        private let unguarded: [Int32]
        private let literalFields: [FieldLiterals]
        private let exactEquals: [FieldRef: [String: [Int32]]]
        private let foldedEquals: [FieldRef: [String: [Int32]]]

        init(_ conditions: [Condition]) {
            count = conditions.count
            var unguarded: [Int32] = []
            var literalNeedles: [FieldRef: [Needle: [Int32]]] = [:]
            var exactEquals: [FieldRef: [String: [Int32]]] = [:]
            var foldedEquals: [FieldRef: [String: [Int32]]] = [:]
            for (index, condition) in conditions.enumerated() {
                let position = Int32(index)
                guard let conditionGuard = RuleIndex.guardOf(condition) else {
                    unguarded.append(position)
                    continue
                }
                for trigger in Set(conditionGuard.triggers) {
                    switch trigger {
                    case .literal(let field, let needle):
                        literalNeedles[field, default: [:]][needle, default: []].append(position)
                    case .equals(let field, let value, let ignoreCase):
                        if ignoreCase {
                            foldedEquals[field, default: [:]][value, default: []].append(position)
                        } else {
                            exactEquals[field, default: [:]][value, default: []].append(position)
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
                    conditionsByNeedle: ordered.map { $0.value })
            }
        }

        /// The positions (in the conditions given) whose guard `event` satisfies, ascending.
        func select(in event: Event) -> [Int] {
            guard count > 0 else { return [] }
            var selected = [Bool](repeating: false, count: count)
            for position in unguarded { selected[Int(position)] = true }
            for entry in literalFields {
                _ = entry.field.anyValue(in: event) { value in
                    entry.automaton.scan(value) { needle in
                        for position in entry.conditionsByNeedle[Int(needle)] { selected[Int(position)] = true }
                    }
                    return false
                }
            }
            for (field, table) in exactEquals {
                _ = field.anyValue(in: event) { value in
                    for position in table[value] ?? [] { selected[Int(position)] = true }
                    return false
                }
            }
            for (field, table) in foldedEquals {
                _ = field.anyValue(in: event) { value in
                    for position in table[value.lowercased()] ?? [] { selected[Int(position)] = true }
                    return false
                }
            }
            var result: [Int] = []
            for index in 0..<count where selected[index] { result.append(index) }
            return result
        }
    }

    /// Rules that share a scope, and the index of their conditions.
    private struct Group: Sendable {
        /// Positions in the rule list, ascending.
        var members: [Int]
        var candidates: Candidates

        init(members: [Int], rules: [Rule]) {
            self.members = members
            candidates = Candidates(members.map { rules[$0].condition })
        }
    }

    /// The rules of every event.
    private let everyEvent: Group
    /// One group per logsource key, with its condition, in the order the keys first appear.
    private let logsources: [(condition: Condition, group: Group)]
    /// The index of the logsource groups' conditions.
    private let logsourceCandidates: Candidates

    init(rules: [Rule]) {
        var everyEvent: [Int] = []
        var groupOfKey: [String: Int] = [:]
        var grouped: [(condition: Condition, members: [Int])] = []
        for (position, rule) in rules.enumerated() {
            switch rule.scope {
            case .everyEvent:
                everyEvent.append(position)
            case .logsource(let key, let condition):
                if let group = groupOfKey[key] {
                    grouped[group].members.append(position)
                } else {
                    groupOfKey[key] = grouped.count
                    grouped.append((condition, [position]))
                }
            case .noEvent:
                continue
            }
        }
        self.everyEvent = Group(members: everyEvent, rules: rules)
        logsources = grouped.map { ($0.condition, Group(members: $0.members, rules: rules)) }
        logsourceCandidates = Candidates(grouped.map(\.condition))
    }

    /// An index of conditions that each apply to every event (rules without a logsource).
    init(conditions: [Condition]) {
        self.init(
            rules: conditions.enumerated().map {
                Rule(id: String($0.offset), title: "", severity: .low, condition: $0.element)
            })
    }

    /// Calls `body` with the position of every rule that matches `event`, in rule order.
    func forEachMatch(in event: Event, rules: [Rule], _ body: (Int) -> Void) {
        // The candidates' scopes hold already: only their own conditions are left to evaluate.
        for position in candidates(for: event) where rules[position].condition.matches(event) { body(position) }
    }

    private static func guardOf(_ condition: Condition) -> Guard? {
        switch condition {
        case .contains(let field, let needles), .startsWith(let field, let needles), .endsWith(let field, let needles):
            return literalGuard(field, needles)
        case .regex(let field, _, let prefilter):
            return prefilter.flatMap { literalGuard(field, $0) }
        case .equals(let field, let needles):
            guard !needles.isEmpty, needles.allSatisfy({ !$0.ignoreCase || $0.isASCII }) else { return nil }
            // A whole value selects better than a substring of the same length, but short values
            // are ones many events share (`cs-method: GET`, `EventID: 4688`): scored as a literal
            // twice as long, so `union select` guards a rule that also asks for GET.
            return Guard(
                triggers: needles.map { .equals(field, $0.text, ignoreCase: $0.ignoreCase) },
                score: 2 * (needles.map(\.bytes.count).min() ?? 0))
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
        case .wildcard(let field, let patterns):
            // Each pattern's longest literal must occur; a pattern without one leaves no guard.
            var needles: [Needle] = []
            for pattern in patterns {
                guard let needle = pattern.guardNeedle else { return nil }
                needles.append(needle)
            }
            return literalGuard(field, needles)
        case .not, .exists, .compare, .fieldReference, .timeComponent:
            return nil
        }
    }

    private static func literalGuard(_ field: FieldRef, _ needles: [Needle]) -> Guard? {
        // Non-ASCII case-insensitive needles cannot be found with ASCII folding: no guard, unless
        // case and canonical equivalence cannot change them (emoji).
        guard !needles.isEmpty,
            needles.allSatisfy({ !$0.bytes.isEmpty && (!$0.ignoreCase || $0.isASCII || isCaselessEmoji($0)) })
        else {
            return nil
        }
        return Guard(triggers: needles.map { .literal(field, $0) }, score: needles.map(\.bytes.count).min() ?? 0)
    }

    /// Whether a case-insensitive needle is found by its bytes alone: emoji sequences (pictographs,
    /// skin-tone modifiers, ZWJ, variation selectors, tags). Lowercasing maps no other character to
    /// these, and none is canonically equivalent to another text, so wherever a value matches
    /// the needle, the needle's bytes occur (SigmaHQ's emoji rules list about 1,000 of them).
    private static func isCaselessEmoji(_ needle: Needle) -> Bool {
        needle.text.unicodeScalars.allSatisfy { scalar in
            switch scalar.value {
            case 0x200D, 0xFE0E, 0xFE0F, 0xE0020...0xE007F: return true
            default:
                let properties = scalar.properties
                return !scalar.isASCII && properties.isEmoji && !properties.isAlphabetic
                    && properties.canonicalCombiningClass == .notReordered && !properties.changesWhenCaseMapped
                    && [.otherSymbol, .modifierSymbol].contains(properties.generalCategory)
            }
        }
    }

    /// The positions of the rules to evaluate in full for `event`, in rule order: the candidates of
    /// the rules of every event and of each logsource group whose condition `event` satisfies.
    func candidates(for event: Event) -> [Int] {
        var result = everyEvent.candidates.select(in: event).map { everyEvent.members[$0] }
        var groups = result.isEmpty ? 0 : 1
        for position in logsourceCandidates.select(in: event) {
            let (condition, group) = logsources[position]
            guard condition.matches(event) else { continue }
            let selected = group.candidates.select(in: event)
            guard !selected.isEmpty else { continue }
            groups += 1
            for local in selected { result.append(group.members[local]) }
        }
        if groups > 1 { result.sort() }
        return result
    }
}
