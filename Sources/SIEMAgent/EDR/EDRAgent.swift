import Foundation
import Logging
import SIEMCore

/// The agent loop: register, collect, send in batches, poll and run actions, sleep.
///
/// Everything runs on one task; when the server is down telemetry waits in a bounded outbox and the
/// wait between attempts grows, so catching up never floods the server.
public struct EDRAgent: Sendable {
    static let version = "0.1.0"
    static let batchSize = 500
    /// Well under siemd's default 1 MiB body limit (SIEM_MAX_BODY_BYTES).
    static let maxBatchBytes = 256 << 10
    static let maxBatchesPerRound = 4
    static let outboxLimit = 20_000

    let configuration: EDRConfiguration
    let logger: Logger

    public init(configuration: EDRConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until the task is cancelled.
    public func run() async throws {
        var state = AgentState.load(configuration.statePath)
        var client = EDRClient(server: configuration.server, apiKey: configuration.apiKey, token: state.token)
        client.timeout = Int64(min(15, max(2, (configuration.interval * 3).rounded(.up))))
        var processes = ProcessCollector()
        var sockets = SocketCollector()
        var logins = LoginCollector()
        var outbox: [JSONValue] = []
        var dropped = 0
        var registered = false
        var failures = 0
        /// Results already executed, re-sent (never re-run) if the server offers the action again.
        var results: [Int64: ActionOutcome] = [:]
        restoreFirewall(state)
        logger.info(
            "edr agent starting",
            metadata: ["server": "\(configuration.server)", "allow_response": "\(configuration.allowResponse)"])

        while !Task.isCancelled {
            let now = Date()
            outbox += processes.collect(now: now)
            outbox += sockets.collect(now: now)
            outbox += logins.collect(now: now)
            outbox.append(
                Telemetry.item(
                    "edr_heartbeat", now: now,
                    data: [
                        "processes": .int(Int64(processes.count)), "listening_sockets": .int(Int64(sockets.count)),
                        "logins": .int(Int64(logins.count)), "isolated": .bool(state.isolated),
                        "allow_response": .bool(configuration.allowResponse), "dropped": .int(Int64(dropped)),
                        "queued": .int(Int64(outbox.count)),
                    ],
                    message: "processes=\(processes.count) sockets=\(sockets.count) isolated=\(state.isolated)"))
            if outbox.count > Self.outboxLimit {
                dropped += outbox.count - Self.outboxLimit
                outbox.removeFirst(outbox.count - Self.outboxLimit)
            }

            do {
                if !registered {
                    try await register(&state, &client)
                    registered = true
                }
                var batches = 0
                while !outbox.isEmpty, batches < Self.maxBatchesPerRound {
                    let batch = Self.nextBatch(outbox)
                    _ = try await client.send(
                        .POST, "/edr/telemetry",
                        body: .object(["agent_id": .string(state.agentID ?? ""), "events": .array(batch)]))
                    outbox.removeFirst(batch.count)
                    batches += 1
                }
                try await pollActions(&state, client, &results)
                failures = 0
            } catch let failure as EDRClient.Failure where failure.status == 409 && !registered {
                // Our id now belongs to another agent (its token no longer matches): start afresh.
                logger.warning("agent id taken on the server; registering as a new agent")
                state.agentID = nil
                state.token = nil
                client.token = nil
                failures += 1
            } catch let failure as EDRClient.Failure where failure.status == 401 || failure.status == 404 {
                logger.warning("server does not know this agent; registering again", metadata: ["error": "\(failure)"])
                registered = false
                failures += 1
            } catch {
                failures += 1
                logger.warning(
                    "server unreachable; telemetry kept for later",
                    metadata: ["error": "\(error)", "queued": "\(outbox.count)"])
            }
            // Back off while the server is down: interval × 2^failures, at most 60 s.
            let wait =
                failures == 0
                ? configuration.interval : min(60, configuration.interval * pow(2, Double(min(failures, 8))))
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
        }
    }

    /// The oldest items that fit in one request: at most `batchSize` items and `maxBatchBytes`
    /// bytes (always at least one item).
    static func nextBatch(_ outbox: [JSONValue]) -> [JSONValue] {
        var batch: [JSONValue] = []
        var bytes = 0
        for item in outbox.prefix(batchSize) {
            let size = item.jsonText.utf8.count + 1
            if !batch.isEmpty && bytes + size > maxBatchBytes { break }
            batch.append(item)
            bytes += size
        }
        return batch
    }

    func register(_ state: inout AgentState, _ client: inout EDRClient) async throws {
        var body: [String: JSONValue] = [
            "hostname": .string(HostInfo.hostname()), "os": .string(HostInfo.osName()),
            "kernel": .string(HostInfo.kernel()), "ips": .array(InterfaceAddresses.routable().map { .string($0) }),
            "agent_version": .string(Self.version),
        ]
        if let agentID = state.agentID { body["agent_id"] = .string(agentID) }
        if let token = state.token { body["token"] = .string(token) }
        let response = try await client.send(.POST, "/edr/register", body: .object(body))
        guard let agentID = response["agent_id"]?.stringValue, let token = response["token"]?.stringValue else {
            throw EDRClient.Failure(status: 502, body: "registration answer lacks agent_id or token")
        }
        state.agentID = agentID
        state.token = token
        client.token = token
        try state.save(configuration.statePath)
        logger.info("registered", metadata: ["agent_id": "\(agentID)"])
    }

    func pollActions(_ state: inout AgentState, _ client: EDRClient, _ results: inout [Int64: ActionOutcome])
        async throws
    {
        guard let agentID = state.agentID else { return }
        let response = try await client.send(
            .GET,
            "/edr/actions/poll?agent_id=\(agentID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? agentID)"
        )
        guard case .array(let actions)? = response["actions"] else { return }
        let executor = ResponseExecutor(configuration: configuration, client: client)
        for case .object(let action) in actions {
            guard case .int(let id)? = action["id"], let type = action["action_type"]?.stringValue else { continue }
            let params = action["params"]?.objectValue ?? [:]
            let outcome: ActionOutcome
            if let done = results[id] {
                outcome = done
            } else {
                let before = state
                outcome = await executor.execute(typeName: type, params: params, state: &state)
                results[id] = outcome
                if state != before { try? state.save(configuration.statePath) }
                if configuration.allowResponse { writeAudit(id: id, type: type, params: params, outcome: outcome) }
            }
            do {
                _ = try await client.send(.POST, "/edr/actions/\(id)/result", body: outcome.body)
            } catch let failure as EDRClient.Failure where failure.status == 409 || failure.status == 404 {
                // Already final (expired, or reported before): nothing more to say.
            }
            results[id] = nil
        }
    }

    /// One JSON line per executed action, next to the state file.
    func writeAudit(id: Int64, type: String, params: [String: JSONValue], outcome: ActionOutcome) {
        var record: [String: JSONValue] = [
            "ts": .string(Timestamp.format(Date())), "action_id": .int(id), "action_type": .string(type),
            "params": .object(params), "status": .string(outcome.status),
        ]
        if let error = outcome.error { record["error"] = .string(error) }
        if let output = outcome.output { record["output"] = output }
        let line = JSONValue.object(record).jsonText + "\n"
        logger.info(
            "action \(outcome.status)", metadata: ["action.id": "\(id)", "action.type": "\(type)"])
        let path = configuration.auditLogPath
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        if let handle = FileHandle(forWritingAtPath: path) {
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: Data(line.utf8))
            try? handle.close()
        }
    }

    /// Re-applies the firewall state kept in the state file (after a restart or reboot).
    func restoreFirewall(_ state: AgentState) {
        guard configuration.allowResponse, geteuid() == 0, state.isolated || !state.blockedIPs.isEmpty else { return }
        do {
            let firewall = try configuration.firewall.backend().get()
            let executor = ResponseExecutor(
                configuration: configuration, client: EDRClient(server: configuration.server, apiKey: nil))
            let server = executor.serverAddresses()
            if !state.blockedIPs.isEmpty {
                // An address that is now the server's or this host's own is left unblocked.
                try firewall.applyBlocks(
                    ResponseExecutor.blockable(state.blockedIPs, protectedIPs: executor.protectedIPs(server: server)))
            }
            if state.isolated {
                try firewall.isolate(server: server, nameservers: Firewall.nameservers())
            }
            logger.info("firewall state restored", metadata: ["isolated": "\(state.isolated)"])
        } catch {
            logger.error("could not restore firewall state", metadata: ["error": "\(error)"])
        }
    }
}
