import Foundation
import Logging
import SIEMCore
import SIEMEngine
import SIEMRules
import SIEMStore
import SIEMTestSupport
import Testing

/// The engine's services on real SQLite files, without HTTP.
@Suite struct EngineTests {
    static let rules: RuleSet = {
        let path = TestData.repositoryRoot.appendingPathComponent("rules/default.yml").path
        return try! RuleFiles.load(path: path)
    }()

    static func logger() -> Logger {
        var logger = Logger(label: "engine-test")
        logger.logLevel = .critical
        return logger
    }

    static func sshFailure(from ip: String = "10.0.0.5") -> Event {
        let now = Date()
        return Event(
            ts: now, receivedAt: now, source: "syslog", host: "demo-host",
            message: "Failed password for invalid user admin from \(ip) port 53422 ssh2",
            fields: ["program": .string("sshd")])
    }

    static func autoCreating() -> Engine.Configuration {
        var configuration = Engine.Configuration()
        configuration.mdr.autoCreateIncidents = true
        configuration.mdr.autoCreateMinSeverity = .low
        return configuration
    }

    /// An ingest returns once its events are committed, whether or not the post-commit work has run:
    /// with the queue's service not running, the incidents appear only once it starts.
    @Test func ingestDoesNotWaitForPostCommitWork() async throws {
        let directory = try TemporaryDirectory()
        let stores = try Stores.sqlite(path: directory.databasePath, sync: .normal)
        let engine = Engine(
            configuration: Self.autoCreating(), stores: stores, rules: Self.rules, logger: Self.logger())
        let stored = try await engine.pipeline.ingest([Self.sshFailure()])
        #expect(stored.count == 1 && !stored[0].alerts.isEmpty)
        #expect(try await stores.incidents.incidents(IncidentQuery()).items.isEmpty)
        #expect(engine.postCommit.statistics.enqueued == 1)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await engine.postCommit.run() }
            var opened = 0
            for _ in 0..<500 where opened == 0 {
                opened = try await stores.incidents.incidents(IncidentQuery()).items.count
                if opened == 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(opened == stored[0].alerts.count)
            group.cancelAll()
        }
        await stores.close()
    }

    /// Post-commit work that fails (here: the incidents live in a database that is closed) is
    /// logged; the ingest that led to it has succeeded and its events are stored.
    @Test func failingPostCommitWorkNeverFailsTheIngest() async throws {
        let directory = try TemporaryDirectory()
        let events = try SQLiteDatabase(path: directory.path("events.sqlite3"), sync: .normal)
        let broken = try SQLiteDatabase(path: directory.path("incidents.sqlite3"), sync: .normal)
        broken.close()
        let stores = Stores(
            events: SQLiteEventStore(database: events), iocs: SQLiteIOCStore(database: events),
            incidents: SQLiteIncidentStore(database: broken), edr: SQLiteEDRStore(database: events),
            audit: SQLiteAuditStore(database: events))
        let engine = Engine(
            configuration: Self.autoCreating(), stores: stores, rules: Self.rules, logger: Self.logger())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await engine.postCommit.run() }
            // Each from another address: repeats from one would fold into one alert (no follow-up).
            for index in 0..<3 {
                let stored = try await engine.pipeline.ingest([Self.sshFailure(from: "10.0.0.\(index + 10)")])
                #expect(stored.count == 1)
            }
            for _ in 0..<500 where engine.postCommit.statistics.processed < 3 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(engine.postCommit.statistics.processed == 3)
            group.cancelAll()
        }
        #expect(try await stores.events.counts().events == 3)
        await stores.close()
    }

    /// A full queue drops the newest commit's follow-up work, counted, instead of blocking ingest.
    @Test func aFullPostCommitQueueDropsInsteadOfBlocking() async throws {
        let directory = try TemporaryDirectory()
        let stores = try Stores.sqlite(path: directory.databasePath, sync: .normal)
        var configuration = Self.autoCreating()
        configuration.postCommitCapacity = 2
        let engine = Engine(configuration: configuration, stores: stores, rules: Self.rules, logger: Self.logger())
        // Each from another address: repeats from one would fold into one alert (no follow-up).
        for index in 0..<5 { _ = try await engine.pipeline.ingest([Self.sshFailure(from: "10.0.0.\(index + 10)")]) }
        #expect(engine.postCommit.statistics.enqueued == 2)
        #expect(engine.postCommit.statistics.dropped == 3)
        #expect(try await stores.events.counts().events == 5)
        await stores.close()
    }

    /// The dangerous-action policy is the service's: refused (and audited) for a requester that is
    /// not allowlisted, queued for one that is; parameters are checked before anything is stored.
    @Test func edrServiceAppliesTheDangerousActionPolicy() async throws {
        let directory = try TemporaryDirectory()
        let stores = try Stores.sqlite(path: directory.databasePath, sync: .normal)
        var configuration = Engine.Configuration()
        configuration.edr.dangerousActionAllowlist = ["alice"]
        let engine = Engine(configuration: configuration, stores: stores, rules: Self.rules, logger: Self.logger())
        let agent = try await engine.edr.register(
            .init(hostname: "web-1", os: "Debian", kernel: "6.1", ips: [], agentVersion: "t", agentID: nil),
            token: nil)
        func request(_ type: ActionType, by requester: String, _ params: [String: JSONValue] = [:])
            -> EDRService.ActionRequest
        {
            .init(agentID: agent.agentID, type: type, params: params, requestedBy: requester, expiresInSeconds: nil)
        }
        let refused = await #expect(throws: ServiceError.self) {
            _ = try await engine.edr.queue(request(.isolateEndpoint, by: "mallory"))
        }
        #expect(refused?.code == "not_allowed")
        let refusal = try await stores.events.events(EventQuery(text: "edr_action_refused"))
        #expect(refusal.items.count == 1)
        await #expect(throws: InvalidInput.self) {
            _ = try await engine.edr.queue(request(.blockIP, by: "alice", ["ip": .string("127.0.0.1")]))
        }
        let queued = try await engine.edr.queue(request(.blockIP, by: "alice", ["ip": .string("203.0.113.9")]))
        #expect(queued.status == .queued && queued.params["ip"] == .string("203.0.113.9"))
        let hash = try await engine.edr.queue(request(.collectFileHash, by: "", ["path": .string("/etc/hosts")]))
        #expect(hash.actionType == ActionType.collectFileHash.rawValue)
        await #expect(throws: ServiceError.self) {
            _ = try await engine.edr.poll(agentID: agent.agentID, token: "wrong", limit: 5)
        }
        let (_, leased) = try await engine.edr.poll(agentID: agent.agentID, token: agent.token, limit: 5)
        #expect(leased.map(\.id) == [queued.id, hash.id])
        await stores.close()
    }

    /// Adding an IOC reloads the snapshot the pipeline matches, and a retro-hunt finds it in what
    /// was stored before.
    @Test func threatIntelServiceReloadsAndHunts() async throws {
        let directory = try TemporaryDirectory()
        let stores = try Stores.sqlite(path: directory.databasePath, sync: .normal)
        let engine = Engine(
            configuration: Engine.Configuration(), stores: stores, rules: RuleSet(rules: []), logger: Self.logger())
        _ = try await engine.pipeline.ingest([Self.sshFailure(from: "198.51.100.7")])
        let added = try await engine.threatIntel.add(
            IOC(type: .ip, value: "198.51.100.7", createdAt: Date()), retroHuntHours: 1)
        #expect(added.created)
        #expect(added.retroHunt?.alerts.count == 1)
        let next = try await engine.pipeline.ingest([Self.sshFailure(from: "198.51.100.7")])
        #expect(next[0].alerts.map(\.ruleID) == ["ti_ip"])
        try await engine.threatIntel.delete(id: added.ioc.id!)
        let after = try await engine.pipeline.ingest([Self.sshFailure(from: "198.51.100.7")])
        #expect(after[0].alerts.isEmpty)
        await #expect(throws: ServiceError.self) { try await engine.threatIntel.delete(id: added.ioc.id!) }
        await stores.close()
    }
}
