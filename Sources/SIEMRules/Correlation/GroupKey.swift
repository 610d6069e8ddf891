import Foundation
import SIEMCore

/// How correlation and suppression read the values they group by, and fold them into keys.
///
/// A value is the scalar at a field reference: a number and the string that spells it are one key
/// (`42` and `"42"`), text is compared after Unicode case folding (`Admin` = `ADMIN`, `Ärger` =
/// `ärger`, `STRASSE` = `straße`), the empty string is a key, and an absent or null field has no
/// value. An array stands for its first scalar; an object has no value.
enum GroupKey {
    /// Separates the values of a key of several fields (a control character logs do not hold).
    static let separator: Character = "\u{1F}"

    /// The value at `reference` in `event`, nil when absent or null.
    static func value(at reference: FieldRef, in event: Event) -> JSONValue? {
        switch reference {
        case .message: return event.message.isEmpty ? nil : .string(event.message)
        case .host: return event.host.isEmpty ? nil : .string(event.host)
        case .source: return event.source.isEmpty ? nil : .string(event.source)
        case .agentID: return event.agentID.map(JSONValue.string)
        case .logType: return event.logType.map(JSONValue.string)
        case .ips: return event.ips.first.map(JSONValue.string)
        case .fields(let components): return scalar(FieldRef.lookup(components, in: event.fields))
        case .normalized(let key): return scalar(event.normalized[key])
        case .fieldsIgnoringCase(let components):
            return scalar(FieldRef.lookup(components, in: event.fields, ignoringCase: true))
        case .firstPresent(let references):
            for reference in references {
                if let value = value(at: reference, in: event) { return value }
            }
            return nil
        case .keywords: return nil
        }
    }

    /// The scalar a value stands for: itself, an array's first scalar; nil for null and objects.
    static func scalar(_ value: JSONValue?) -> JSONValue? {
        switch value {
        case .none, .null?, .object?: return nil
        case .array(let items)?:
            for item in items {
                if let found = scalar(item) { return found }
            }
            return nil
        case let value?: return value
        }
    }

    /// The folded text of a scalar value (see the type's description).
    static func fold(_ value: JSONValue) -> String {
        fold(value.scalarText ?? "")
    }

    /// `text` case-folded: ASCII by a byte loop (no allocation when it has no capital), anything
    /// else by Unicode full case folding.
    static func fold(_ text: String) -> String {
        var ascii = true
        var capital = false
        for byte in text.utf8 {
            if byte >= 0x80 {
                ascii = false
                break
            }
            if byte >= 0x41 && byte <= 0x5A { capital = true }
        }
        if !ascii { return text.folding(options: .caseInsensitive, locale: nil) }
        if !capital { return text }
        let count = text.utf8.count
        return String(unsafeUninitializedCapacity: count) { buffer in
            var index = 0
            for byte in text.utf8 {
                buffer[index] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                index += 1
            }
            return count
        }
    }

    /// A stable 64-bit hash (FNV-1a over the folded text, in Unicode normalization form C) of a
    /// value `value_count` counts, never 0: distinct values are counted by hash (two values of one
    /// group colliding in a window is a chance of about n² in 2⁶⁵).
    static func valueHash(_ value: JSONValue) -> UInt64 {
        var text = fold(value)
        if !text.utf8.allSatisfy({ $0 < 0x80 }) { text = text.precomposedStringWithCanonicalMapping }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash == 0 ? 1 : hash
    }

    /// The key of several folded values, in order.
    static func join(_ folded: [String]) -> String {
        folded.count == 1 ? folded[0] : folded.joined(separator: String(separator))
    }
}
