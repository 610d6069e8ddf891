import Dispatch
import Foundation
import SIEMCore

/// Where a condition looks in an event; resolved once at load so evaluation does no path parsing.
public enum FieldRef: Sendable, Hashable {
    case message, host, source, agentID, logType, ips
    case fields([String])
    case normalized(String)
    /// A key of `fields` (dotted components, as `.fields`) found by its exact name, else by a
    /// case-insensitive match of the name: how Sigma rules name fields (`commandline` reads
    /// `CommandLine`, as SigmaHQ's tools do).
    case fieldsIgnoringCase([String])
    /// The first of these references that is present in the event (non-empty, non-null): a Sigma
    /// field the configuration maps to several places.
    case firstPresent([FieldRef])
    /// Every text of the event: the message and each scalar of `fields`, at any depth (Sigma
    /// keywords, which name no field).
    case keywords

    public init(path: String) {
        switch path {
        case "message": self = .message
        case "host": self = .host
        case "source": self = .source
        case "agent_id": self = .agentID
        case "log_type": self = .logType
        case "ips", "ip": self = .ips
        default:
            if path.hasPrefix("fields.") {
                self = .fields(path.dropFirst("fields.".count).split(separator: ".").map(String.init))
            } else {
                self = .normalized(path)
            }
        }
    }

    /// Calls `body` with each text value at this reference until it returns true.
    @inline(__always)
    func anyValue(in event: Event, _ body: (String) -> Bool) -> Bool {
        switch self {
        case .message: return body(event.message)
        case .host: return body(event.host)
        case .source: return body(event.source)
        case .agentID: return event.agentID.map(body) ?? false
        case .logType: return event.logType.map(body) ?? false
        case .ips: return event.ips.contains(where: body)
        case .fields(let components):
            guard let value = Self.lookup(components, in: event.fields) else { return false }
            return Self.anyScalar(value, body)
        case .normalized(let key):
            guard let value = event.normalized[key] else { return false }
            return Self.anyScalar(value, body)
        case .fieldsIgnoringCase(let components):
            guard let value = Self.lookup(components, in: event.fields, ignoringCase: true) else { return false }
            return Self.anyScalar(value, body)
        case .firstPresent(let references):
            guard let first = references.first(where: { $0.isPresent(in: event) }) else { return false }
            return first.anyValue(in: event, body)
        case .keywords:
            if body(event.message) { return true }
            return event.fields.values.contains { Self.anyScalarDeep($0, body) }
        }
    }

    /// Whether the event has a value here: a non-empty text, or a key whose value is not null.
    func isPresent(in event: Event) -> Bool {
        switch self {
        case .message: return !event.message.isEmpty
        case .host: return !event.host.isEmpty
        case .source: return !event.source.isEmpty
        case .agentID: return event.agentID != nil
        case .logType: return event.logType != nil
        case .ips: return !event.ips.isEmpty
        case .fields(let components): return Self.lookup(components, in: event.fields).map(Self.isNotNull) ?? false
        case .normalized(let key): return event.normalized[key].map(Self.isNotNull) ?? false
        case .fieldsIgnoringCase(let components):
            return Self.lookup(components, in: event.fields, ignoringCase: true).map(Self.isNotNull) ?? false
        case .firstPresent(let references): return references.contains { $0.isPresent(in: event) }
        case .keywords: return true
        }
    }

    private static func isNotNull(_ value: JSONValue) -> Bool {
        if case .null = value { return false }
        return true
    }

    static func lookup(_ components: [String], in fields: [String: JSONValue], ignoringCase: Bool = false)
        -> JSONValue?
    {
        // A key may itself contain dots (`fields["a.b"]`): try the joined rest at each level.
        var current = fields
        for (index, component) in components.enumerated() {
            let rest = index == components.count - 1 ? component : components[index...].joined(separator: ".")
            if let value = current[rest] ?? (ignoringCase ? foldedValue(rest, in: current) : nil) { return value }
            guard index < components.count - 1,
                case .object(let next)? = current[component]
                    ?? (ignoringCase ? foldedValue(component, in: current) : nil)
            else { return nil }
            current = next
        }
        return nil
    }

    /// The value of the first key equal to `name` up to ASCII case (lengths compared first, so a
    /// miss costs little); non-ASCII letters in a field name must match exactly.
    private static func foldedValue(_ name: String, in fields: [String: JSONValue]) -> JSONValue? {
        var name = name
        return name.withUTF8 { wanted in
            for (key, value) in fields where key.utf8.count == wanted.count {
                var key = key
                let equal = key.withUTF8 { candidate in
                    var index = 0
                    while index < wanted.count, Needle.fold(candidate[index]) == Needle.fold(wanted[index]) {
                        index += 1
                    }
                    return index == wanted.count
                }
                if equal { return value }
            }
            return nil
        }
    }

    private static func anyScalarDeep(_ value: JSONValue, _ body: (String) -> Bool) -> Bool {
        switch value {
        case .array(let items): return items.contains { anyScalarDeep($0, body) }
        case .object(let members): return members.values.contains { anyScalarDeep($0, body) }
        default: return value.scalarText.map(body) ?? false
        }
    }

    private static func anyScalar(_ value: JSONValue, _ body: (String) -> Bool) -> Bool {
        switch value {
        case .array(let items): return items.contains { anyScalar($0, body) }
        case .object: return false
        default: return value.scalarText.map(body) ?? false
        }
    }
}

/// A compiled match condition.
public indirect enum Condition: Sendable {
    case contains(FieldRef, [Needle])
    case equals(FieldRef, [Needle])
    case startsWith(FieldRef, [Needle])
    case endsWith(FieldRef, [Needle])
    /// `prefilter`: literals of which one must be present for the regex to match (nil: none known).
    case regex(FieldRef, NSRegularExpression, prefilter: [Needle]?)
    case exists(FieldRef, Bool)
    /// Sigma wildcard patterns (`*`, `?`), any of which must match the whole value.
    case wildcard(FieldRef, [WildcardPattern])
    /// The value read as a number and compared (Sigma `lt`, `lte`, `gt`, `gte`, non-integral equality).
    case compare(FieldRef, NumericComparison)
    /// The value compared with another field's value (Sigma `fieldref`).
    case fieldReference(FieldRef, FieldReference)
    /// A component of the value read as a timestamp (Sigma `minute`, `hour`, … `year`).
    case timeComponent(FieldRef, TimeComponent, Int)
    case all([Condition])
    case any([Condition])
    case not(Condition)

    public func matches(_ event: Event) -> Bool {
        switch self {
        case .contains(let field, let needles):
            return field.anyValue(in: event) { value in needles.contains { $0.isFound(in: value) } }
        case .equals(let field, let needles):
            return field.anyValue(in: event) { value in needles.contains { $0.isEqual(to: value) } }
        case .startsWith(let field, let needles):
            return field.anyValue(in: event) { value in needles.contains { $0.isPrefix(of: value) } }
        case .endsWith(let field, let needles):
            return field.anyValue(in: event) { value in needles.contains { $0.isSuffix(of: value) } }
        case .regex(let field, let expression, let prefilter):
            return field.anyValue(in: event) { value in
                if let prefilter, !prefilter.contains(where: { $0.admits(value) }) { return false }
                return RegexBudget.firstMatch(expression, in: value)
            }
        case .exists(let field, let expected):
            return field.anyValue(in: event) { _ in true } == expected
        case .wildcard(let field, let patterns):
            return field.anyValue(in: event) { value in patterns.contains { $0.matches(value) } }
        case .compare(let field, let comparison):
            return field.anyValue(in: event) { comparison.matches($0) }
        case .fieldReference(let field, let reference):
            return field.anyValue(in: event) { value in
                reference.field.anyValue(in: event) { other in reference.matches(value, other) }
            }
        case .timeComponent(let field, let component, let expected):
            return field.anyValue(in: event) { component.value(ofTimestamp: $0) == expected }
        case .all(let conditions):
            return conditions.allSatisfy { $0.matches(event) }
        case .any(let conditions):
            return conditions.contains { $0.matches(event) }
        case .not(let condition):
            return !condition.matches(event)
        }
    }
}

/// Bounds regex work: rule regexes come from the admin but log text comes from attackers, so a
/// pattern that backtracks catastrophically on some input (`(a+)+$`, nested `(x|y)*` groups) must
/// not stall ingest.
///
/// A value is searched up to its first `maxInputUTF16` UTF-16 units, and ICU is asked to report
/// progress: it calls back before each new start position and after every 10,000 backtracking
/// states within one attempt, so the search can be stopped between any two of those. It stops
/// (counted as no match) once it has run longer than `baseBudget` plus `budgetPerUnit` for each
/// UTF-16 unit searched: a few milliseconds for a log line, about 140 ms for the largest value,
/// many times what a sane pattern needs. (The callback does not say whether it comes from a new
/// start position or from inside an attempt, so a count of callbacks could not bound the work.)
public enum RegexBudget {
    public static let maxInputUTF16 = 65_536
    public static let baseBudget: Duration = .milliseconds(10)
    public static let budgetPerUnit: Duration = .microseconds(2)

    public enum Outcome: Sendable, Equatable {
        case matched, notMatched
        /// The time budget ran out before the search finished; counted as not matched.
        case exhausted
    }

    @inline(__always)
    static func firstMatch(_ expression: NSRegularExpression, in value: String) -> Bool {
        search(expression, in: value) == .matched
    }

    /// Searches the bounded prefix of `value` within `budget` (by default the one for its length).
    public static func search(_ expression: NSRegularExpression, in value: String, budget: Duration? = nil)
        -> Outcome
    {
        let length = min(value.utf16.count, maxInputUTF16)
        let allowed = budget ?? baseBudget + budgetPerUnit * length
        let deadline = DispatchTime.now().uptimeNanoseconds &+ UInt64(allowed / .nanoseconds(1))
        var outcome = Outcome.notMatched
        var callbacks = 0
        expression.enumerateMatches(
            in: value, options: [.reportProgress], range: NSRange(location: 0, length: length)
        ) { result, _, stop in
            if result != nil {
                outcome = .matched
                stop.pointee = true
                return
            }
            // Reading the clock at every start position would cost a quarter of the search; every
            // eighth callback overshoots the deadline by at most eight quanta (about 80,000 states).
            callbacks &+= 1
            if callbacks & 7 == 0, DispatchTime.now().uptimeNanoseconds > deadline {
                outcome = .exhausted
                stop.pointee = true
            }
        }
        return outcome
    }
}
