import Foundation
import SIEMCore
import Testing

@testable import SIEMRules

@Suite struct RuleEvaluationTests {
    func event(_ message: String, fields: [String: JSONValue] = [:], host: String = "h", source: String = "syslog")
        -> Event
    {
        var event = Event(ts: .now, receivedAt: .now, source: source, host: host, message: message, fields: fields)
        event.ips = event.extractedIPs()
        return event
    }

    func rule(_ match: String) throws -> Rule {
        try RuleLoader.parse(yaml: "rules:\n  - id: t\n    match: \(match)\n")[0]
    }

    @Test func referenceExampleMatches() throws {
        let set = try RuleLoader.parse(
            yaml: """
                rules:
                  - id: ssh_failed_password
                    title: SSH failed password
                    severity: medium
                    tags: [attack.credential_access, attack.t1110]
                    match:
                      all:
                        - field: fields.program
                          equals: sshd
                        - field: message
                          contains: "Failed password"
                """)
        let analyzer = EventAnalyzer(rules: RuleSet(rules: set))
        let hit = analyzer.analyze(
            event(
                "Failed password for invalid user admin from 10.0.0.5 port 53422 ssh2",
                fields: ["program": .string("sshd")]),
            at: .now)
        #expect(hit.alerts.map(\.ruleID) == ["ssh_failed_password"])
        #expect(hit.alerts[0].severity == .medium)
        #expect(hit.alerts[0].tags == ["attack.credential_access", "attack.t1110"])
        #expect(hit.event.ips == ["10.0.0.5"])
        let miss = analyzer.analyze(event("Failed password for x", fields: ["program": .string("su")]), at: .now)
        #expect(miss.alerts.isEmpty)
    }

    @Test func listsMeanAnyOf() throws {
        let contains = try rule("{contains: [alpha, beta]}")
        #expect(contains.matches(event("has beta inside")))
        #expect(!contains.matches(event("has gamma")))
        let equals = try rule("{field: host, equals: [web1, web2]}")
        #expect(equals.matches(event("x", host: "web2")))
        #expect(!equals.matches(event("x", host: "web22")))
    }

    @Test func caseFoldingOnlyWhenAsked() throws {
        #expect(!(try rule("{contains: SQLMAP}")).matches(event("ua sqlmap/1.5")))
        #expect(try rule("{contains: SQLMAP, ignore_case: true}").matches(event("ua sqlmap/1.5")))
        #expect(try rule("{regex: 'S\\d+', ignore_case: true}").matches(event("code s42")))
    }

    @Test func regexAndNesting() throws {
        let nested = try rule(
            "{any: [{all: [{field: fields.program, equals: sudo}, {regex: 'COMMAND=/bin/(ba)?sh$'}]}, {contains: zzz}]}"
        )
        #expect(nested.matches(event("alice : USER=root ; COMMAND=/bin/bash", fields: ["program": .string("sudo")])))
        #expect(
            !nested.matches(event("alice : USER=root ; COMMAND=/bin/bash -c id", fields: ["program": .string("sudo")])))
        #expect(nested.matches(event("zzz")))
        #expect(try rule("{not: {contains: ok}}").matches(event("fail")))
    }

    @Test func fieldPathsReachNestedAndNumericValues() throws {
        let numeric = try rule("{field: fields.EventID, equals: '4625'}")
        #expect(numeric.matches(event("x", fields: ["EventID": .int(4625)])))
        #expect(!numeric.matches(event("x", fields: ["EventID": .int(4624)])))
        let nested = try rule("{field: fields.http.ua, contains: curl}")
        #expect(nested.matches(event("x", fields: ["http": .object(["ua": .string("curl/8")])])))
        let dotted = try rule("{field: fields.user.name, equals: bob}")
        #expect(dotted.matches(event("x", fields: ["user.name": .string("bob")])))
        let ips = try rule("{field: ips, equals: '10.0.0.5'}")
        #expect(ips.matches(event("from 10.0.0.5")))
        #expect(!ips.matches(event("from 10.0.0.50")))
        #expect(try rule("{field: fields.missing, exists: false}").matches(event("x")))
    }
}
