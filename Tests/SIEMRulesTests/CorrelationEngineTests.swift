import Foundation
import SIEMCore
import Testing

@testable import SIEMRules

/// The correlation engine's state machine: out-of-order arrival, bounds, expiry, persistence across
/// a restart, and the burst that makes overlapping windows one alert.
@Suite struct CorrelationEngineTests {
    static let start = Date(timeIntervalSince1970: 1_714_557_600)  // 2024-05-01T10:00:00Z

    /// One native threshold rule: `count` failures of one `fields.ip` within `within`.
    static func rules(count: Int, within: String, distinct: String? = nil) throws -> RuleSet {
        let distinctText = distinct.map { ", distinct: \($0)" } ?? ""
        let yaml = """
            rules:
              - id: many_failures
                match: {contains: failure}
                threshold: {count: \(count), within: \(within), group_by: [fields.ip]\(distinctText)}
            """
        return RuleSet(rules: try RuleLoader.parse(yaml: yaml))
    }

    static func event(ip: String?, user: String = "u", at seconds: Double) -> Event {
        var fields: [String: JSONValue] = ["user": .string(user)]
        if let ip { fields["ip"] = .string(ip) }
        let time = start.addingTimeInterval(seconds)
        return Event(ts: time, receivedAt: time, source: "test", host: "h", message: "failure", fields: fields)
    }

    /// Feeds one event through the analyzer's inputs, as siemd does.
    static func observe(
        _ engine: inout CorrelationEngine, _ set: RuleSet, ip: String?, user: String = "u", at seconds: Double,
        reference: Int64
    ) -> [CorrelationUpdate] {
        let event = event(ip: ip, user: user, at: seconds)
        let inputs = EventAnalyzer(rules: set).analyzeAll(event, at: event.ts).correlationInputs
        return engine.observe(event: event, inputs: inputs, reference: reference, time: event.ts)
    }

    @Test func thresholdRuleFeedsCorrelationsAndRaisesNoPerEventAlert() throws {
        let set = try Self.rules(count: 3, within: "1m")
        #expect(set.correlations.count == 1)
        #expect(set.correlations[0].id == "many_failures")
        #expect(set.correlations[0].isThreshold)
        #expect(!set.rules[0].generates)
        let analysis = EventAnalyzer(rules: set).analyzeAll(Self.event(ip: "1.2.3.4", at: 0), at: Self.start)
        #expect(analysis.alerts.isEmpty)
        #expect(analysis.correlationInputs == [0])
        #expect(EventAnalyzer(rules: set).analyze(Self.event(ip: "1.2.3.4", at: 0), at: Self.start).alerts.isEmpty)
    }

    @Test func burstIsOneAlertThatGrows() throws {
        let set = try Self.rules(count: 3, within: "1m")
        var engine = CorrelationEngine(rules: set)
        #expect(Self.observe(&engine, set, ip: "10.0.0.1", at: 0, reference: 1).isEmpty)
        #expect(Self.observe(&engine, set, ip: "10.0.0.1", at: 20, reference: 2).isEmpty)
        let first = Self.observe(&engine, set, ip: "10.0.0.1", at: 40, reference: 3)
        #expect(first.count == 1)
        #expect(first.first?.isNew == true)
        #expect(first.first?.count == 3)
        #expect(first.first?.newEvidence == [1, 2, 3])
        #expect(first.first?.firstWindowEnd == Self.start.addingTimeInterval(40))
        #expect(first.first?.firstSeen == Self.start)
        #expect(first.first?.group.map(\.field) == ["fields.ip"])
        #expect(first.first?.group.first?.value == .string("10.0.0.1"))
        let grown = Self.observe(&engine, set, ip: "10.0.0.1", at: 70, reference: 4)
        #expect(grown.count == 1)
        #expect(grown.first?.isNew == false)
        #expect(grown.first?.burstKey == first.first?.burstKey)
        #expect(grown.first?.count == 4)
        #expect(grown.first?.newEvidence == [4])
        #expect(grown.first?.lastSeen == Self.start.addingTimeInterval(70))
    }

    @Test func quietForAWholeTimespanStartsANewAlert() throws {
        let set = try Self.rules(count: 2, within: "1m")
        var engine = CorrelationEngine(rules: set)
        _ = Self.observe(&engine, set, ip: "10.0.0.1", at: 0, reference: 1)
        let first = try #require(Self.observe(&engine, set, ip: "10.0.0.1", at: 30, reference: 2).first)
        #expect(first.isNew)
        // 50 s after the last event: not quiet for a whole minute, and its window holds two events.
        let grown = try #require(Self.observe(&engine, set, ip: "10.0.0.1", at: 80, reference: 3).first)
        #expect(!grown.isNew)
        #expect(grown.burstKey == first.burstKey)
        // 120 s after the last event: the group was quiet, and this event alone does not fire.
        #expect(Self.observe(&engine, set, ip: "10.0.0.1", at: 200, reference: 4).isEmpty)
        let second = try #require(Self.observe(&engine, set, ip: "10.0.0.1", at: 210, reference: 5).first)
        #expect(second.isNew)
        #expect(second.burstKey != first.burstKey)
        #expect(second.count == 2)
        #expect(second.newEvidence == [4, 5])
        #expect(second.firstWindowEnd == Self.start.addingTimeInterval(210))
    }

    @Test func outOfOrderWithinTheTimespanCountsInTheRightWindows() throws {
        let set = try Self.rules(count: 3, within: "1m")
        var engine = CorrelationEngine(rules: set)
        #expect(Self.observe(&engine, set, ip: "10.0.0.1", at: 0, reference: 1).isEmpty)
        #expect(Self.observe(&engine, set, ip: "10.0.0.1", at: 40, reference: 2).isEmpty)
        // 20 s late: its own window [−40 s, 20 s] holds two events, the later one at 40 s holds three.
        let late = Self.observe(&engine, set, ip: "10.0.0.1", at: 20, reference: 3)
        #expect(late.count == 1)
        #expect(late.first?.isNew == true)
        #expect(late.first?.firstWindowEnd == Self.start.addingTimeInterval(40))
        #expect(late.first?.newEvidence == [1, 3, 2])
        #expect(engine.lateEvents == 0)
        // More than a timespan behind the newest event seen: not counted.
        _ = Self.observe(&engine, set, ip: "10.0.0.2", at: 300, reference: 4)
        _ = Self.observe(&engine, set, ip: "10.0.0.2", at: 301, reference: 5)
        #expect(Self.observe(&engine, set, ip: "10.0.0.2", at: 200, reference: 6).isEmpty)
        #expect(engine.lateEvents == 1)
        #expect(Self.observe(&engine, set, ip: "10.0.0.2", at: 302, reference: 7).first?.newEvidence == [4, 5, 7])
    }

    @Test func eventsWithoutTheGroupFieldAreNotCounted() throws {
        let set = try Self.rules(count: 2, within: "1m")
        var engine = CorrelationEngine(rules: set)
        #expect(Self.observe(&engine, set, ip: nil, at: 0, reference: 1).isEmpty)
        #expect(Self.observe(&engine, set, ip: nil, at: 1, reference: 2).isEmpty)
        #expect(engine.openGroups == 0)
        // Case folds: one group.
        _ = Self.observe(&engine, set, ip: "Host-A", at: 2, reference: 3)
        let fired = Self.observe(&engine, set, ip: "HOST-a", at: 3, reference: 4)
        #expect(fired.first?.group.first?.value == .string("Host-A"))
        #expect(engine.openGroups == 1)
    }

    @Test func boundedGroupsDropTheLeastRecentlyActiveAndCountThem() throws {
        let set = try Self.rules(count: 2, within: "1h")
        var engine = CorrelationEngine(rules: set, limits: CorrelationLimits(maxGroups: 10))
        _ = Self.observe(&engine, set, ip: "10.0.0.0", at: 0, reference: 0)
        for index in 1...14 { _ = Self.observe(&engine, set, ip: "10.0.0.\(index)", at: Double(index), reference: 0) }
        #expect(engine.openGroups <= 10)
        #expect(engine.droppedGroups >= 5)
        #expect(engine.droppedGroups + engine.openGroups == 15)
        // The oldest group was dropped: its second event starts over and does not fire.
        #expect(Self.observe(&engine, set, ip: "10.0.0.0", at: 20, reference: 1).isEmpty)
        // The newest group kept its count.
        #expect(Self.observe(&engine, set, ip: "10.0.0.14", at: 21, reference: 2).first?.isNew == true)
        let removed = engine.takeChanges().filter { $0.state == nil }.map(\.key)
        #expect(removed.contains(CorrelationState.key(ruleID: "many_failures", group: "10.0.0.1")))
    }

    @Test func idleGroupsExpireBehindTheWatermark() throws {
        let set = try Self.rules(count: 1000, within: "1m")
        var engine = CorrelationEngine(rules: set)
        _ = Self.observe(&engine, set, ip: "10.0.0.1", at: 0, reference: 0)
        _ = engine.takeChanges()
        // Another group's events move the watermark on, past twice the timespan, over two sweeps
        // (a group is expired once a sweep found it idle since the one before).
        for index in 0..<10000 {
            _ = Self.observe(&engine, set, ip: "10.0.0.2", at: 1 + Double(index) * 0.05, reference: Int64(index))
        }
        #expect(engine.openGroups == 1)
        #expect(engine.expiredGroups == 1)
        let changes = engine.takeChanges()
        #expect(
            changes.contains(
                CorrelationStateChange(
                    key: CorrelationState.key(ruleID: "many_failures", group: "10.0.0.1"), state: nil)))
        #expect(changes.contains { $0.key.hasSuffix("10.0.0.2") && $0.state != nil })
    }

    @Test func restoreMidBurstGrowsTheOpenAlertInsteadOfRaisingAgain() throws {
        let set = try Self.rules(count: 3, within: "5m")
        var engine = CorrelationEngine(rules: set)
        for (index, seconds) in [0.0, 10, 20].enumerated() {
            _ = Self.observe(&engine, set, ip: "10.0.0.1", at: seconds, reference: Int64(index + 1))
        }
        let before = engine.takeChanges()
        #expect(before.count == 1)
        #expect(engine.takeChanges().isEmpty)
        let first = Self.observe(&engine, set, ip: "10.0.0.1", at: 25, reference: 4)
        var restarted = CorrelationEngine(rules: try Self.rules(count: 3, within: "5m"))
        #expect(restarted.restore(before.compactMap { change in change.state.map { (change.key, $0) } }) == 1)
        #expect(restarted.openGroups == 1)
        #expect(restarted.watermark == Self.start.addingTimeInterval(20))
        let next = Self.observe(&restarted, set, ip: "10.0.0.1", at: 25, reference: 4)
        #expect(next.count == 1)
        #expect(next.first?.isNew == false)
        #expect(next.first?.count == 4)
        #expect(next.first?.newEvidence == [4])
        #expect(next.first?.burstKey == first.first?.burstKey)
        #expect(next.first?.firstWindowEnd == Self.start.addingTimeInterval(20))
        // Without the state, the same event alone does not fire.
        var fresh = CorrelationEngine(rules: set)
        #expect(Self.observe(&fresh, set, ip: "10.0.0.1", at: 25, reference: 4).isEmpty)
    }

    @Test func restoreBeforeFiringKeepsTheCount() throws {
        let set = try Self.rules(count: 3, within: "5m")
        var engine = CorrelationEngine(rules: set)
        _ = Self.observe(&engine, set, ip: "10.0.0.1", at: 0, reference: 1)
        _ = Self.observe(&engine, set, ip: "10.0.0.1", at: 10, reference: 2)
        var restarted = CorrelationEngine(rules: set)
        restarted.restore(engine.states())
        let fired = Self.observe(&restarted, set, ip: "10.0.0.1", at: 20, reference: 3)
        #expect(fired.first?.isNew == true)
        #expect(fired.first?.newEvidence == [1, 2, 3])
        // A state of another shape (the timespan changed) is not restored.
        var changed = CorrelationEngine(rules: try Self.rules(count: 3, within: "10m"))
        #expect(changed.restore(engine.states()) == 0)
        // Nor are unreadable bytes.
        var corrupt = CorrelationEngine(rules: set)
        let key = engine.states()[0].key
        #expect(corrupt.restore([(key, Data([1, 2, 3]))]) == 0)
        #expect(corrupt.restore([(key, engine.states()[0].state.dropLast())]) == 0)
    }

    @Test func distinctCountsDistinctFoldedValues() throws {
        let set = try Self.rules(count: 3, within: "10m", distinct: "fields.user")
        var engine = CorrelationEngine(rules: set)
        #expect(Self.observe(&engine, set, ip: "10.0.0.1", user: "alice", at: 0, reference: 1).isEmpty)
        #expect(Self.observe(&engine, set, ip: "10.0.0.1", user: "ALICE", at: 1, reference: 2).isEmpty)
        #expect(Self.observe(&engine, set, ip: "10.0.0.1", user: "bob", at: 2, reference: 3).isEmpty)
        let fired = Self.observe(&engine, set, ip: "10.0.0.1", user: "carol", at: 3, reference: 4)
        #expect(fired.first?.isNew == true)
        #expect(fired.first?.count == 4)
    }

    @Test func groupKeysFoldUnicodeAndNumbers() {
        #expect(GroupKey.fold(.string("Ärger")) == GroupKey.fold(.string("ärger")))
        #expect(GroupKey.fold(.string("STRASSE")) == GroupKey.fold(.string("straße")))
        #expect(GroupKey.fold(.int(42)) == GroupKey.fold(.string("42")))
        #expect(GroupKey.fold(.string("Admin")) == "admin")
        #expect(GroupKey.fold(.string("")) == "")
        #expect(GroupKey.fold(.string("a")) != GroupKey.fold(.string("b")))
        #expect(GroupKey.valueHash(.int(80)) == GroupKey.valueHash(.string("80")))
        #expect(GroupKey.valueHash(.string("Caf\u{E9}")) == GroupKey.valueHash(.string("CAFE\u{301}")))
        #expect(GroupKey.valueHash(.string("alice")) != GroupKey.valueHash(.string("bob")))
        let event = Event(
            ts: Date(), receivedAt: Date(), source: "s", host: "h", message: "",
            fields: ["n": .null, "list": .array([.null, .string("x")]), "object": .object(["a": .int(1)])])
        #expect(GroupKey.value(at: FieldRef(path: "fields.n"), in: event) == nil)
        #expect(GroupKey.value(at: FieldRef(path: "fields.missing"), in: event) == nil)
        #expect(GroupKey.value(at: FieldRef(path: "fields.list"), in: event) == .string("x"))
        #expect(GroupKey.value(at: FieldRef(path: "fields.object"), in: event) == nil)
        #expect(GroupKey.value(at: FieldRef(path: "host"), in: event) == .string("h"))
    }

    @Test func stateEncodingRoundTripsEveryPart() throws {
        var group = CorrelationGroup(
            values: [.string("x"), .int(-7), .double(1.5), .bool(true)], inputCount: 2, kind: .temporal)
        group.entries = [
            WindowEntry(
                time: 1000, reference: 9, mask: 1, mark: 1, value: GroupKey.valueHash(.string("v")), chained: nil),
            WindowEntry(
                time: 1000, reference: 3, mask: 2, mark: 0, value: 0,
                chained: [Evidence(reference: 1, time: 900), Evidence(reference: 2, time: 950)]),
        ]
        group.mark = 1
        group.burst = Burst(key: "", firstWindowEnd: 1000, firstSeen: 900, lastSeen: 1000, count: 3, seen: [1, 2, 9])
        let data = CorrelationState.encode(group, ruleID: "r", signature: 42)
        let decoded = try #require(
            CorrelationState.decode(data, ruleID: "r", signature: 42, inputCount: 2, kind: .temporal))
        #expect(decoded.values == group.values)
        #expect(decoded.entries.map(\.time) == [1000, 1000])
        #expect(decoded.entries.map(\.reference) == [9, 3])
        #expect(decoded.entries.map(\.mask) == [1, 2])
        #expect(decoded.entries.map { $0.mark == decoded.mark } == [true, false])
        #expect(decoded.entries.map(\.value) == [GroupKey.valueHash(.string("V")), 0])
        #expect(decoded.entries[1].chained == group.entries[1].chained)
        #expect(decoded.burst?.count == 3)
        #expect(decoded.burst?.seen == [1, 2, 9])
        #expect(decoded.burst?.firstSeen == 900)
        #expect(CorrelationState.decode(data, ruleID: "other", signature: 42, inputCount: 2, kind: .temporal) == nil)
        #expect(CorrelationState.decode(data, ruleID: "r", signature: 43, inputCount: 2, kind: .temporal) == nil)
    }
}
