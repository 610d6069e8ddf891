import Foundation
import SIEMCore
import SIEMTestSupport
import Testing
import Yams

@testable import SIEMRules

@Suite struct SigmaConfigTests {
    static let shippedPath = TestData.repositoryRoot.appendingPathComponent("rules/sigma/config.yml").path

    static func shipped() throws -> SigmaConfig {
        try SigmaConfig.parse(yaml: try String(contentsOfFile: shippedPath, encoding: .utf8), file: shippedPath)
    }

    // MARK: Parsing

    @Test func parsesEntriesFieldsAndPlaceholders() throws {
        let config = try SigmaConfig.parse(
            yaml: """
                logsources:
                  - product: Windows
                    when: {field: event.dataset, equals: windows_security}
                  - product: windows
                    category: process_creation
                    when: {field: event.code, equals: '4688'}
                fields:
                  CommandLine: [fields.CommandLine, process.command_line]
                  c-ip: fields.c-ip
                placeholders:
                  known_cdcs: [DC01, 10.0.0.10]
                  none: []
                """, file: "c.yml")
        #expect(config.logsources.count == 2)
        #expect(config.logsources[0].keys == ["product": "windows"])
        #expect(config.paths(for: "COMMANDLINE") == ["fields.CommandLine", "process.command_line"])
        #expect(config.paths(for: "c-ip") == ["fields.c-ip"])
        #expect(config.paths(for: "Unmapped") == ["fields.Unmapped"])
        #expect(config.placeholder("known_cdcs") == ["DC01", "10.0.0.10"])
        #expect(config.placeholder("none") == [])
        #expect(config.placeholder("other") == nil)
        #expect(try SigmaConfig.parse(yaml: "", file: "e.yml").logsources.isEmpty)
    }

    @Test(arguments: [
        ("logsource: []\n", 1, "unknown top-level key `logsource`"),
        ("logsources:\n  - product: windows\n    whenn: {contains: x}\n", 3, "unknown logsource key `whenn`"),
        ("logsources:\n  - when: {contains: x}\n", 2, "needs a product, category or service"),
        ("logsources:\n  - product: windows\n", 2, "needs `when`"),
        ("logsources:\n  - product: windows\n    when: {field: x, equal: y}\n", 3, "unknown condition key `equal`"),
        ("logsources:\n  - product: windows\n    when:\n      regex: '('\n", 4, "bad regex"),
        (
            "logsources:\n  - product: windows\n    when: {contains: a}\n  - product: WINDOWS\n    when: {contains: b}\n",
            4, "listed twice (also at line 2)"
        ),
        ("logsources:\n  - product: [windows]\n    when: {contains: a}\n", 2, "`product` must be a non-empty string"),
        ("logsources: {product: windows}\n", 1, "`logsources` must be a list"),
        ("fields:\n  Image: [fields.Image]\n  image: [process.executable]\n", 3, "`image` is listed twice"),
        ("fields:\n  Image: []\n", 2, "needs at least one value"),
        ("fields:\n  Image: [{a: b}]\n", 2, "must list strings"),
        ("placeholders: [a]\n", 1, "`placeholders` must be a mapping"),
    ])
    func rejectsBadConfigurations(yaml: String, line: Int, problem: String) {
        #expect {
            _ = try SigmaConfig.parse(yaml: yaml, file: "bad.yml")
        } throws: { error in
            guard let error = error as? RuleError else { return false }
            return error.file == "bad.yml" && error.line == line && error.problem.contains(problem)
        }
    }

    @Test func yamlErrorsNameTheFile() {
        #expect(throws: RuleError.self) { try SigmaConfig.parse(yaml: "logsources: [\n", file: "broken.yml") }
    }

    // MARK: Scope selection

    static let layered = """
        logsources:
          - product: windows
            when: {field: log_type, equals: windows}
          - product: windows
            service: security
            when: {field: fields.Channel, equals: Security}
          - product: windows
            category: process_creation
            when: {field: fields.EventID, equals: '4688'}
          - category: webserver
            when: {field: log_type, equals: web}
          - service: apache
            when: {field: fields.server, equals: apache}
        """

    static func event(logType: String? = nil, _ fields: [String: JSONValue] = [:]) -> Event {
        let now = Date()
        return Event(ts: now, receivedAt: now, source: "t", host: "h", message: "m", fields: fields, logType: logType)
    }

    @Test func theMostSpecificEntryWins() throws {
        let config = try SigmaConfig.parse(yaml: Self.layered, file: "c.yml")
        guard
            case .logsource(let key, let condition) = config.scope(for: [
                "product": "windows", "category": "process_creation",
            ])
        else {
            Issue.record("expected a logsource scope")
            return
        }
        #expect(key == "product=windows category=process_creation")
        // Only the specific entry: the product's condition is not required.
        #expect(condition.matches(Self.event(["EventID": .string("4688")])))
        #expect(!condition.matches(Self.event(logType: "windows", ["EventID": .string("1")])))
    }

    @Test func entriesThatDoNotNestAreCombined() throws {
        let config = try SigmaConfig.parse(yaml: Self.layered, file: "c.yml")
        guard
            case .logsource(let key, let condition) = config.scope(for: ["category": "webserver", "service": "Apache"])
        else {
            Issue.record("expected a logsource scope")
            return
        }
        #expect(key == "category=webserver & service=apache")
        #expect(condition.matches(Self.event(logType: "web", ["server": .string("apache")])))
        #expect(!condition.matches(Self.event(logType: "web", ["server": .string("nginx")])))
        #expect(!condition.matches(Self.event(["server": .string("apache")])))
    }

    @Test func equalEntrySetsShareAKeyAndValuesFoldCase() throws {
        let config = try SigmaConfig.parse(yaml: Self.layered, file: "c.yml")
        let first = config.scope(for: ["product": "Windows", "service": "SECURITY", "definition": "audit policy"])
        let second = config.scope(for: ["service": "security", "product": "windows"])
        guard case .logsource(let one, _) = first, case .logsource(let two, _) = second else {
            Issue.record("expected logsource scopes")
            return
        }
        #expect(one == two)
        #expect(one == "product=windows service=security")
        guard case .logsource(let product, _) = config.scope(for: ["product": "windows"]) else {
            Issue.record("expected a logsource scope")
            return
        }
        #expect(product == "product=windows")
    }

    @Test func anUnmappedKeyMeansNoEvent() throws {
        let config = try SigmaConfig.parse(yaml: Self.layered, file: "c.yml")
        for (logsource, missing) in [
            (["product": "linux", "category": "process_creation"], "product=linux"),
            (["product": "windows", "service": "sysmon"], "service=sysmon"),
            (
                ["product": "windows", "category": "image_load", "service": "sysmon"],
                "category=image_load service=sysmon"
            ),
            (["category": "proxy"], "category=proxy"),
        ] {
            guard case .noEvent(let reason) = config.scope(for: logsource) else {
                Issue.record("\(logsource): expected no event")
                continue
            }
            #expect(reason.hasPrefix("the Sigma configuration maps no log source for \(missing)"), "\(reason)")
        }
        // A process_creation entry for Windows does not cover Linux's.
        guard case .noEvent(let reason) = config.scope(for: ["product": "linux", "category": "process_creation"])
        else { return }
        #expect(reason.contains("category=process_creation"))
        #expect(SigmaConfig.empty.scope(for: ["product": "windows"]).isNoEvent)
        #expect(SigmaConfig.empty.scope(for: ["definition": "x"]).isEveryEvent)
    }

    // MARK: The shipped configuration on real events

    /// Rule logsources and the events each one should see.
    static let probes: [[String: String]] = [
        ["product": "windows"], ["product": "windows", "service": "security"],
        ["product": "windows", "service": "system"], ["product": "windows", "service": "sysmon"],
        ["product": "windows", "service": "powershell"], ["product": "windows", "service": "powershell-classic"],
        ["product": "windows", "category": "process_creation"], ["product": "windows", "category": "ps_script"],
        ["product": "windows", "category": "network_connection"], ["product": "windows", "category": "process_access"],
        ["product": "linux"], ["product": "linux", "service": "auth"], ["product": "linux", "service": "sshd"],
        ["product": "linux", "service": "sudo"], ["product": "linux", "service": "syslog"],
        ["category": "webserver"], ["category": "proxy"], ["category": "firewall"], ["category": "dns"],
    ]

    /// The probes (as `product=… service=…`) whose scope holds `line` once normalized.
    static func sources(of line: String, config: SigmaConfig) throws -> Set<String> {
        let now = Date()
        var event: Event
        if line.hasPrefix("{") {
            guard case .object(let fields) = try JSONParser.parse(Array(line.utf8)) else { return [] }
            event = Event(ts: now, receivedAt: now, source: "file", host: "unknown", message: "", fields: fields)
        } else {
            event = Event(ts: now, receivedAt: now, source: "file", host: "unknown", message: line)
        }
        NormalizerSet().normalize(&event)
        var matched: Set<String> = []
        for probe in probes {
            switch config.scope(for: probe) {
            case .logsource(_, let condition) where condition.matches(event):
                matched.insert(SigmaConfig.describe(probe))
            case .everyEvent: matched.insert(SigmaConfig.describe(probe))
            default: break
            }
        }
        return matched
    }

    static func firstLine(_ url: URL, containing needle: String) throws -> String {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try #require(
            text.split(whereSeparator: \.isNewline).first { $0.contains(needle) && !$0.hasPrefix("#") }.map(
                String.init),
            "no line with \(needle) in \(url.path)")
    }

    @Test func theShippedConfigurationMapsEverySourceSiemdReads() throws {
        let config = try Self.shipped()
        for probe in Self.probes {
            #expect(!config.scope(for: probe).isNoEvent, "\(probe)")
        }
        for unmapped: [String: String] in [
            ["product": "linux", "category": "process_creation"], ["product": "macos", "category": "process_creation"],
            ["product": "aws", "service": "cloudtrail"], ["product": "linux", "service": "auditd"],
            ["product": "windows", "service": "no-such-channel"],
        ] {
            #expect(config.scope(for: unmapped).isNoEvent, "\(unmapped)")
        }
        #expect(config.paths(for: "image") == ["fields.Image", "fields.NewProcessName", "process.executable"])
        #expect(config.paths(for: "cs-uri-query") == ["fields.cs-uri-query", "url.query"])
    }

    @Test func theShippedConfigurationSelectsTheRepositorysSamples() throws {
        let config = try Self.shipped()
        let folder = TestData.fixtures.appendingPathComponent("synthetic")
        let windows = folder.appendingPathComponent("windows-4625.ndjson")
        #expect(
            try Self.sources(of: Self.firstLine(windows, containing: "\"EventID\":4688"), config: config) == [
                "product=windows", "product=windows service=security", "product=windows category=process_creation",
            ])
        #expect(
            try Self.sources(of: Self.firstLine(windows, containing: "\"EventID\":4104"), config: config) == [
                "product=windows", "product=windows service=powershell", "product=windows category=ps_script",
            ])
        #expect(
            try Self.sources(of: Self.firstLine(windows, containing: "\"EventID\":7045"), config: config) == [
                "product=windows", "product=windows service=system",
            ])
        let linux: Set<String> = ["product=linux", "product=linux service=auth", "product=linux service=syslog"]
        let auth = folder.appendingPathComponent("auth.log")
        #expect(
            try Self.sources(of: Self.firstLine(auth, containing: "sshd["), config: config)
                == linux.union(["product=linux service=sshd"]))
        #expect(
            try Self.sources(of: Self.firstLine(auth, containing: "sudo: "), config: config)
                == linux.union(["product=linux service=sudo"]))
        #expect(
            try Self.sources(
                of: Self.firstLine(folder.appendingPathComponent("web-attacks.log"), containing: "GET "),
                config: config) == ["category=webserver", "category=proxy"])
        #expect(
            try Self.sources(
                of: Self.firstLine(folder.appendingPathComponent("ufw.log"), containing: "UFW BLOCK"),
                config: config) == ["product=linux", "product=linux service=syslog", "category=firewall"])
        #expect(
            try Self.sources(
                of: Self.firstLine(folder.appendingPathComponent("named-queries.log"), containing: "query:"),
                config: config) == ["product=linux", "product=linux service=syslog", "category=dns"])
    }

    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func theShippedConfigurationSelectsTheSharedSamples() throws {
        let config = try Self.shipped()
        let mordor = TestData.shared.appendingPathComponent(
            "windows_security/mordor_empire_wmic_add_user_backdoor_L151-800.json")
        #expect(
            try Self.sources(of: Self.firstLine(mordor, containing: "\"EventID\":1,"), config: config) == [
                "product=windows", "product=windows service=sysmon", "product=windows category=process_creation",
            ])
        #expect(
            try Self.sources(of: Self.firstLine(mordor, containing: "\"EventID\":3,"), config: config) == [
                "product=windows", "product=windows service=sysmon", "product=windows category=network_connection",
            ])
        #expect(
            try Self.sources(of: Self.firstLine(mordor, containing: "\"EventID\":10,"), config: config) == [
                "product=windows", "product=windows service=sysmon", "product=windows category=process_access",
            ])
        #expect(
            try Self.sources(of: Self.firstLine(mordor, containing: "\"EventID\":4720"), config: config) == [
                "product=windows", "product=windows service=security",
            ])
        #expect(
            try Self.sources(of: Self.firstLine(mordor, containing: "\"EventID\":800,"), config: config) == [
                "product=windows", "product=windows service=powershell-classic",
            ])
        let lsass = TestData.shared.appendingPathComponent(
            "windows_security/mordor_psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json")
        #expect(
            try Self.sources(of: Self.firstLine(lsass, containing: "\"EventID\":4688"), config: config) == [
                "product=windows", "product=windows service=security", "product=windows category=process_creation",
            ])
        #expect(
            try Self.sources(
                of: Self.firstLine(
                    TestData.shared.appendingPathComponent("linux_auth/fail2ban_sshd.log"),
                    containing: "Failed password"),
                config: config)
                == [
                    "product=linux", "product=linux service=auth", "product=linux service=syslog",
                    "product=linux service=sshd",
                ])
        #expect(
            try Self.sources(
                of: Self.firstLine(
                    TestData.shared.appendingPathComponent("web_access/basjes_hackers-access_L1-2000.log"),
                    containing: "HTTP/1."),
                config: config) == ["category=webserver", "category=proxy"])
    }

    // MARK: The shipped snapshot

    /// `rules/sigma/sigmahq` is what `scripts/update-sigma.sh` selects from the SigmaHQ rules:
    /// every file of `rules/` and `rules-emerging-threats/` that is not deprecated or unsupported
    /// and whose logsource the shipped configuration maps, byte for byte.
    @Test(.enabled(if: TestData.sharedAvailable, Comment(rawValue: TestData.sharedMissingReason)))
    func theSnapshotIsTheRulesTheConfigurationMaps() throws {
        let config = try Self.shipped()
        let corpus = TestData.shared.appendingPathComponent("sigma/rules")
        let snapshot = TestData.repositoryRoot.appendingPathComponent("rules/sigma/sigmahq")
        var expected: Set<String> = []
        for path in try Self.ruleFiles(in: corpus)
        where path.hasPrefix("rules/") || path.hasPrefix("rules-emerging-threats/") {
            let text = try String(contentsOf: corpus.appendingPathComponent(path), encoding: .utf8)
            guard let mapping = try Yams.compose(yaml: text)?.mapping else { continue }
            if let status = mapping["status"]?.string, ["deprecated", "unsupported"].contains(status) { continue }
            var logsource: [String: String] = [:]
            for (key, value) in mapping["logsource"]?.mapping ?? [:] {
                if let key = key.string, let value = value.string { logsource[key] = value }
            }
            if !config.scope(for: logsource).isNoEvent { expected.insert(path) }
        }
        let shipped = Set(try Self.ruleFiles(in: snapshot))
        #expect(shipped.count > 2000)
        #expect(shipped.subtracting(expected).sorted() == [], "shipped but not selected")
        #expect(expected.subtracting(shipped).sorted() == [], "selected but not shipped")
        for path in shipped.intersection(expected) {
            #expect(
                FileManager.default.contentsEqual(
                    atPath: snapshot.appendingPathComponent(path).path,
                    andPath: corpus.appendingPathComponent(path).path),
                "\(path) differs from SigmaHQ's")
        }
    }

    /// The `.yml` files under `folder`, as relative paths.
    static func ruleFiles(in folder: URL) throws -> [String] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: folder.path), "no folder \(folder.path)")
        return enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".yml") }.sorted()
    }
}

extension RuleScope {
    var isNoEvent: Bool {
        if case .noEvent = self { return true }
        return false
    }

    var isEveryEvent: Bool {
        if case .everyEvent = self { return true }
        return false
    }
}
