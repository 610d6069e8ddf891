import Foundation
import SIEMCore

/// Persistence of a `CorrelationEngine` across restarts: per group, versioned compact bytes.
///
/// Version 1, all integers LEB128 varints (signed ones zigzag-encoded):
/// `version (1)`, `rule id` (length + UTF-8), `signature` (8 bytes, little-endian: the correlation's
/// kind, timespan, group-by and inputs; state of another shape is not restored), `group values`
/// (count, then per value a tag — 0 false, 1 true, 2 integer, 3 double as 8 bytes, 4 string — and
/// its payload), `burst` (0, or 1 then first window end, first seen, last seen, count, and the
/// reported references of a correlation over correlations), `irregular until`, then the entries:
/// count, and per entry the time (the first absolute, then the difference to the one before),
/// reference (zigzag difference to the one before), input mask, flags (1 evidence of the open burst,
/// 2 has a value, 4 has chained evidence), the value's hash (8 bytes), and the chained evidence
/// (count, then reference and time per item).
enum CorrelationState {
    static let version: UInt8 = 1
    /// Separates the correlation id from the group key in a state's key.
    static let keySeparator: Character = "\u{1E}"

    static func key(ruleID: String, group: String) -> String {
        ruleID + String(keySeparator) + group
    }

    /// A stable hash (FNV-1a) of what a state's layout depends on.
    static func signature(_ correlation: CorrelationRule) -> UInt64 {
        var text = correlation.kind.name
        if case .valueCount(let field) = correlation.kind { text += ":" + field }
        text += "|\(Int64((correlation.timespan * 1000).rounded()))|" + correlation.groupBy.joined(separator: ",")
        text += "|" + correlation.inputNames.joined(separator: ",")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }

    static func encode(_ group: CorrelationGroup, ruleID: String, signature: UInt64) -> Data {
        var writer = ByteWriter()
        writer.bytes.reserveCapacity(32 + ruleID.utf8.count + 8 * group.values.count + 12 * group.entries.count)
        writer.bytes.append(version)
        writer.string(ruleID)
        for shift in stride(from: 0, to: 64, by: 8) {
            writer.bytes.append(UInt8(truncatingIfNeeded: signature >> shift))
        }
        writer.unsigned(UInt64(group.values.count))
        for value in group.values { writer.value(value) }
        if let burst = group.burst {
            writer.bytes.append(1)
            writer.signed(burst.firstWindowEnd)
            writer.signed(burst.firstSeen)
            writer.signed(burst.lastSeen)
            writer.unsigned(UInt64(burst.count))
            writer.unsigned(UInt64(burst.seen.count))
            for reference in burst.seen.sorted() { writer.signed(reference) }
        } else {
            writer.bytes.append(0)
        }
        writer.signed(group.irregularUntil)
        writer.unsigned(UInt64(group.entries.count))
        var previousTime: Int64 = 0
        var previousReference: Int64 = 0
        for (index, entry) in group.entries.enumerated() {
            writer.signed(index == 0 ? entry.time : entry.time &- previousTime)
            writer.signed(entry.reference &- previousReference)
            previousTime = entry.time
            previousReference = entry.reference
            writer.unsigned(UInt64(entry.mask))
            var flags: UInt8 = 0
            if group.burst != nil, entry.mark == group.mark { flags |= 1 }
            if entry.value != 0 { flags |= 2 }
            if entry.chained != nil { flags |= 4 }
            writer.bytes.append(flags)
            if entry.value != 0 { writer.fixed(entry.value) }
            if let chained = entry.chained {
                writer.unsigned(UInt64(chained.count))
                for evidence in chained {
                    writer.signed(evidence.reference)
                    writer.signed(evidence.time)
                }
            }
        }
        return Data(writer.bytes)
    }

    /// The group a state holds, when it is of this version, rule and signature.
    static func decode(
        _ data: Data, ruleID: String, signature: UInt64, inputCount: Int, kind: WindowParameters.Kind
    ) -> CorrelationGroup? {
        var reader = ByteReader(bytes: [UInt8](data))
        guard reader.byte() == version, reader.string() == ruleID else { return nil }
        guard reader.fixed() == signature, let valueCount = reader.count() else { return nil }
        var values: [JSONValue] = []
        for _ in 0..<valueCount {
            guard let value = reader.value() else { return nil }
            values.append(value)
        }
        var group = CorrelationGroup(values: values, inputCount: inputCount, kind: kind)
        switch reader.byte() {
        case 0?: break
        case 1?:
            guard let firstWindowEnd = reader.signed(), let firstSeen = reader.signed(), let lastSeen = reader.signed(),
                let count = reader.unsigned(), let seenCount = reader.count()
            else { return nil }
            var seen: Set<Int64> = []
            for _ in 0..<seenCount {
                guard let reference = reader.signed() else { return nil }
                seen.insert(reference)
            }
            group.mark = 1
            group.burst = Burst(
                key: "", firstWindowEnd: firstWindowEnd, firstSeen: firstSeen, lastSeen: lastSeen,
                count: Int(clamping: count), seen: seen)
        default: return nil
        }
        guard let irregularUntil = reader.signed(), let entryCount = reader.count(), entryCount > 0 else { return nil }
        group.irregularUntil = irregularUntil
        var time: Int64 = 0
        var reference: Int64 = 0
        group.entries.reserveCapacity(entryCount)
        for index in 0..<entryCount {
            guard let timeDelta = reader.signed(), let referenceDelta = reader.signed(), let mask = reader.unsigned(),
                let flags = reader.byte()
            else { return nil }
            time = index == 0 ? timeDelta : time &+ timeDelta
            reference = reference &+ referenceDelta
            var entry = WindowEntry(
                time: time, reference: reference, mask: UInt32(truncatingIfNeeded: mask),
                mark: flags & 1 != 0 ? group.mark : 0, value: 0, chained: nil)
            if flags & 2 != 0 {
                guard let value = reader.fixed(), value != 0 else { return nil }
                entry.value = value
            }
            if flags & 4 != 0 {
                guard let count = reader.count() else { return nil }
                var chained: [Evidence] = []
                for _ in 0..<count {
                    guard let evidenceReference = reader.signed(), let evidenceTime = reader.signed() else {
                        return nil
                    }
                    chained.append(Evidence(reference: evidenceReference, time: evidenceTime))
                }
                entry.chained = chained
            }
            if let previous = group.entries.last, previous.time > entry.time { return nil }
            group.entries.append(entry)
        }
        return reader.atEnd ? group : nil
    }
}

extension CorrelationEngine {
    /// The state of every group changed since the last call (nil for a group dropped or expired
    /// since): store these in the transaction that commits the events they counted.
    public mutating func takeChanges() -> [CorrelationStateChange] {
        var changes: [CorrelationStateChange] = []
        var done: Set<GroupID> = []
        for id in dirty + removed where done.insert(id).inserted {
            let key = CorrelationState.key(ruleID: correlations[id.correlation].id, group: id.key)
            if tracks[id.correlation].groups[id.key] != nil {
                tracks[id.correlation].groups[id.key]!.dirty = false
                let group = tracks[id.correlation].groups[id.key]!
                changes.append(
                    CorrelationStateChange(
                        key: key,
                        state: CorrelationState.encode(
                            group, ruleID: correlations[id.correlation].id, signature: signatures[id.correlation])))
            } else {
                changes.append(CorrelationStateChange(key: key, state: nil))
            }
        }
        dirty = []
        removed = []
        return changes
    }

    /// Every open group's state (to carry the state over to an engine of reloaded rules).
    public func states() -> [(key: String, state: Data)] {
        var states: [(key: String, state: Data)] = []
        for (correlation, track) in tracks.enumerated() {
            let id = correlations[correlation].id
            for (key, group) in track.groups {
                states.append(
                    (
                        CorrelationState.key(ruleID: id, group: key),
                        CorrelationState.encode(group, ruleID: id, signature: signatures[correlation])
                    ))
            }
        }
        return states
    }

    /// Restores stored groups (at start, before the first `observe`). A state of a correlation no
    /// longer loaded, of another shape (kind, timespan, group-by or inputs changed) or unreadable is
    /// left out; returns how many were restored. The watermark becomes the newest restored event.
    @discardableResult
    public mutating func restore(_ states: [(key: String, state: Data)]) -> Int {
        var restored = 0
        for (key, state) in states {
            guard let separator = key.firstIndex(of: CorrelationState.keySeparator),
                let correlation = correlationOfID[String(key[..<separator])]
            else { continue }
            let groupKey = String(key[key.index(after: separator)...])
            let parameters = self.parameters[correlation]
            guard
                var group = CorrelationState.decode(
                    state, ruleID: correlations[correlation].id, signature: signatures[correlation],
                    inputCount: parameters.inputCount, kind: parameters.kind)
            else { continue }
            if var burst = group.burst {
                burst.key = parameters.id + "\u{1F}" + groupKey + "\u{1F}" + String(burst.firstWindowEnd)
                group.burst = burst
            }
            group.rebuildWindow(parameters.timespan)
            tick &+= 1
            group.lastActive = tick
            if tracks[correlation].groups.updateValue(group, forKey: groupKey) == nil { groupCount += 1 }
            watermarkMilliseconds = max(watermarkMilliseconds, group.newest)
            restored += 1
        }
        if groupCount > limits.maxGroups { evictForRestore() }
        return restored
    }

    private mutating func evictForRestore() {
        expire()
        if groupCount > limits.maxGroups {
            var candidates: [(newest: Int64, id: GroupID)] = []
            for (correlation, track) in tracks.enumerated() {
                for (key, group) in track.groups {
                    candidates.append((group.newest, GroupID(correlation: correlation, key: key)))
                }
            }
            candidates.sort { $0.newest < $1.newest }
            let excess = groupCount - limits.maxGroups
            for candidate in candidates.prefix(excess) {
                tracks[candidate.id.correlation].groups[candidate.id.key] = nil
                groupCount -= 1
                removed.append(candidate.id)
            }
            droppedGroups += excess
        }
    }
}

/// Appends varints and strings.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func unsigned(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func signed(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Eight bytes, little-endian.
    mutating func fixed(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    mutating func string(_ text: String) {
        unsigned(UInt64(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    mutating func value(_ value: JSONValue) {
        switch value {
        case .bool(let flag): bytes.append(flag ? 1 : 0)
        case .int(let number):
            bytes.append(2)
            signed(number)
        case .double(let number):
            bytes.append(3)
            fixed(number.bitPattern)
        default:
            bytes.append(4)
            string(value.scalarText ?? "")
        }
    }
}

/// Reads what `ByteWriter` wrote; every read is nil past the end or on a malformed value.
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    var atEnd: Bool { offset == bytes.count }

    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        offset += 1
        return bytes[offset - 1]
    }

    mutating func unsigned() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = byte() {
            guard shift < 64 else { return nil }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }

    mutating func signed() -> Int64? {
        guard let raw = unsigned() else { return nil }
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    mutating func fixed() -> UInt64? {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) {
            guard let byte = byte() else { return nil }
            value |= UInt64(byte) << UInt64(shift)
        }
        return value
    }

    /// A count that fits in what is left (each item takes at least one byte).
    mutating func count() -> Int? {
        guard let value = unsigned(), value <= UInt64(bytes.count - offset) + 1 else { return nil }
        return Int(value)
    }

    mutating func string() -> String? {
        guard let length = unsigned(), length <= UInt64(bytes.count - offset) else { return nil }
        let text = String(decoding: bytes[offset..<offset + Int(length)], as: UTF8.self)
        offset += Int(length)
        return text
    }

    mutating func value() -> JSONValue? {
        switch byte() {
        case 0?: return .bool(false)
        case 1?: return .bool(true)
        case 2?: return signed().map(JSONValue.int)
        case 3?: return fixed().map { .double(Double(bitPattern: $0)) }
        case 4?: return string().map(JSONValue.string)
        default: return nil
        }
    }
}
