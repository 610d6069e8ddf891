import Foundation
import SIEMTestSupport
import Testing

/// `siem-agent tail` end to end: real files, a real siemd on loopback, real signals.
@Suite struct TailTests {
    static let lineLength = 61

    /// A fixed-width numbered line, so every line's offset in its file is known.
    static func line(_ number: Int) -> String {
        let text = "line-\(String(format: "%06d", number)) "
        return text + String(repeating: "x", count: lineLength - 1 - text.count) + "\n"
    }

    static func write(_ numbers: Range<Int>, to path: String) throws {
        var text = ""
        for number in numbers {
            text += line(number)
            if text.utf8.count > 64 << 10 {
                try append(text, to: path)
                text = ""
            }
        }
        try append(text, to: path)
    }

    func agent(_ folder: String, _ arguments: [String], name: String = "agent") throws -> ChildProcess {
        try ChildProcess("siem-agent", ["tail"] + arguments, logPath: folder + "/\(name)-\(UUID().uuidString).stderr")
    }

    /// Numbers found in the stored messages, with how often each arrived.
    func arrivals(_ siemd: Siemd) async throws -> (counts: [Int: Int], events: [[String: Any]]) {
        let events = try await siemd.events(source: "file")
        var counts: [Int: Int] = [:]
        for event in events {
            guard let message = event["message"] as? String, message.hasPrefix("line-"),
                let number = Int(message.dropFirst(5).prefix(6))
            else { continue }
            counts[number, default: 0] += 1
        }
        return (counts, events)
    }

    /// A small deterministic generator, so a failing run can be replayed from its seed.
    struct Pauses {
        var state: UInt64
        mutating func next(_ range: ClosedRange<Int>) -> Duration {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return .milliseconds(range.lowerBound + Int((state >> 33) % UInt64(range.count)))
        }
    }

    @Test func everyLineArrivesExactlyOnceThroughRotationsServerRestartAndKills() async throws {
        let directory = try TemporaryDirectory(prefix: "tail-e2e")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        let siemd = try Siemd(folder: folder)
        let log = folder + "/app.log"
        let state = folder + "/state.json"
        let arguments = [
            "--file", log, "--endpoint", siemd.ingestURL, "--source", "file", "--log-type", "test",
            "--host", "tail-test", "--state", state, "--max-batch-events", "500", "--max-retry-delay", "0.5",
        ]
        let seed = UInt64(Date().timeIntervalSince1970 * 1000)
        var pauses = Pauses(state: seed)
        var tail = try agent(folder, arguments)
        var kills = 0
        /// SIGKILL after a pause of `range` milliseconds, then a new agent on the same positions file.
        func killAndRestart(after range: ClosedRange<Int> = 20...400) async throws {
            try await Task.sleep(for: pauses.next(range))
            tail.stop(signal: SIGKILL)
            kills += 1
            tail = try agent(folder, arguments)
        }
        func arrived(_ count: Int, timeout: Double = 60) async -> Bool {
            await eventually(timeout: timeout) {
                guard await siemd.eventCount() ?? 0 >= count else { return false }
                return try await arrivals(siemd).counts.count == count
            }
        }

        try Self.write(0..<10_000, to: log)
        #expect(await eventually { await siemd.eventCount() ?? 0 > 0 })
        // Killed while it reads the first file.
        for _ in 0..<3 { try await killAndRestart() }
        // Rename rotation while the agent reads, with kills on both sides of it: the renamed file
        // is read to its end, also by an agent started after the rename.
        #expect(rename(log, log + ".1") == 0)
        try await killAndRestart(after: 0...100)
        for chunk in stride(from: 10_000, to: 20_000, by: 2_500) {
            try Self.write(chunk..<chunk + 2_500, to: log)
            try await killAndRestart()
        }
        // The server goes away mid-stream and comes back on the same port; the agent is killed
        // while it retries and right after the server is back.
        #expect(await eventually { await siemd.eventCount() ?? 0 >= 12_000 })
        siemd.stop()
        try Self.write(20_000..<25_000, to: log)
        try await killAndRestart(after: 300...800)
        #expect(await eventually { tail.log.contains("cannot reach siemd; retrying") })
        try await killAndRestart(after: 100...600)
        try siemd.restart()
        try await killAndRestart(after: 0...300)
        try Self.write(25_000..<30_000, to: log)
        try await killAndRestart()
        // copytruncate (copy, then truncate in place) once every line of the file arrived, with
        // kills around the truncation and while the new content is written and read.
        #expect(await arrived(30_000), "after the rename rotation and the server restart (seed \(seed))")
        try FileManager.default.copyItem(atPath: log, toPath: log + ".3")
        try await killAndRestart(after: 0...200)
        #expect(truncate(log, 0) == 0)
        try await killAndRestart(after: 0...200)
        for chunk in stride(from: 30_000, to: 40_000, by: 2_000) {
            try Self.write(chunk..<chunk + 2_000, to: log)
            try await killAndRestart()
        }

        #expect(await arrived(40_000, timeout: 90), "seed \(seed)")
        #expect(tail.stop(signal: SIGTERM) == 0)
        let (counts, events) = try await arrivals(siemd)
        let missing = (0..<40_000).filter { counts[$0] == nil }
        #expect(missing.isEmpty, "missing \(missing.count), first \(missing.prefix(10)) (seed \(seed), \(kills) kills)")
        let repeated = counts.filter { $0.value > 1 }.keys.sorted()
        #expect(repeated.isEmpty, "\(repeated.count) lines stored twice, first \(repeated.prefix(10)) (seed \(seed))")
        #expect(events.count == 40_000)
        // Each event says where it came from: files start at 0, 10000 and 30000 (copytruncate).
        let fileStarts = [0, 10_000, 30_000]
        var wrongOffsets = 0
        for event in events {
            let fields = event["fields"] as? [String: Any] ?? [:]
            let message = event["message"] as? String ?? ""
            guard let number = Int(message.dropFirst(5).prefix(6)) else { continue }
            let start = fileStarts.last { $0 <= number }!
            if (fields["offset"] as? Int) != (number - start) * Self.lineLength {
                wrongOffsets += 1
                Issue.record("line \(number) has offset \(fields["offset"] ?? "none") in \(fields["path"] ?? "?")")
            }
            #expect(fields["log_type"] as? String == "test")
            #expect((fields["path"] as? String)?.hasPrefix(log) == true)
            #expect(event["host"] as? String == "tail-test")
            if wrongOffsets > 0 { break }
        }
        #expect(wrongOffsets == 0)
        // The positions file keeps the agent's id; the truncated file reads as a later generation.
        let saved =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: state))) as! [String: Any]
        #expect((saved["agent_id"] as? String)?.count == 36)
        let current = (saved["files"] as! [[String: Any]]).first { $0["path"] as? String == log }
        #expect(current?["generation"] as? Int == 2, "first file 0, the file after the rename 1, after truncation 2")
    }

    @Test func partialLongAndLateLines() async throws {
        let directory = try TemporaryDirectory(prefix: "tail-lines")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        let siemd = try Siemd(folder: folder)
        let tail = try agent(
            folder,
            [
                "--file", folder + "/*.log", "--endpoint", siemd.ingestURL, "--state", folder + "/state.json",
                "--max-line-bytes", "1000", "--partial-line-timeout", "1",
            ])
        let first = folder + "/a.log"
        // A line written in two pieces is one event.
        try append("first\nabc", to: first)
        try append("def\n", to: first)
        // A long line is cut and flagged; the next line still arrives.
        try append(String(repeating: "y", count: 5000) + "\nafter-long\n", to: first)
        // A last line without newline is sent after the partial-line timeout.
        try append("no-newline-yet", to: first)
        // A file created after the agent started is picked up.
        try await Task.sleep(for: .milliseconds(300))
        let late = folder + "/b.log"
        try append("late-1\n", to: late)

        func messages() async throws -> [String: [String: Any]] {
            var byMessage: [String: [String: Any]] = [:]
            for event in try await siemd.events(source: "file") {
                byMessage[event["message"] as! String] = event["fields"] as? [String: Any] ?? [:]
            }
            return byMessage
        }
        #expect(await eventually { try await messages().count >= 6 })
        let found = try await messages()
        #expect(
            Set(found.keys) == [
                "first", "abcdef", String(repeating: "y", count: 1000), "after-long", "no-newline-yet", "late-1",
            ])
        #expect(found[String(repeating: "y", count: 1000)]?["truncated"] as? Bool == true)
        #expect(found["after-long"]?["offset"] as? Int == 6 + 7 + 5001)
        #expect(found["no-newline-yet"]?["partial"] as? Bool == true)
        #expect(found["late-1"]?["path"] as? String == late)
        #expect(found["first"]?["truncated"] == nil)
        #expect(tail.stop(signal: SIGTERM) == 0)
    }

    @Test func resumesAfterRestartAndTreatsReusedInodeAsNewFile() async throws {
        let directory = try TemporaryDirectory(prefix: "tail-resume")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        let siemd = try Siemd(folder: folder)
        let state = folder + "/state.json"
        let arguments = ["--file", folder + "/*.log", "--endpoint", siemd.ingestURL, "--state", state]
        let kept = folder + "/c.log"
        let reused = folder + "/e.log"
        try append("c-1\nc-2\n", to: kept)
        try append("old-1\nold-2\n", to: reused)
        let first = try agent(folder, arguments)
        #expect(await eventually { try await siemd.events(source: "file").count == 4 })
        #expect(first.stop(signal: SIGTERM) == 0)
        // SIGTERM saved the acknowledged positions.
        let saved =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: state))) as! [String: Any]
        let entries = saved["files"] as! [[String: Any]]
        #expect(entries.map { $0["offset"] as? Int }.sorted { ($0 ?? 0) < ($1 ?? 0) } == [8, 12])

        try append("c-3\n", to: kept)
        // A new file behind a reused inode: the saved entry names the new file's device and inode,
        // as it does when the kernel hands the old inode to a new file; only the content differs.
        #expect(unlink(reused) == 0)
        try append("new-1-longer-than-the-old-offset\nnew-2\n", to: reused)
        var status = stat()
        #expect(stat(reused, &status) == 0)
        let patched = entries.map { entry -> [String: Any] in
            guard entry["path"] as? String == reused else { return entry }
            var entry = entry
            entry["device"] = Int(status.st_dev)
            entry["inode"] = Int(status.st_ino)
            return entry
        }
        var patchedState = saved
        patchedState["files"] = patched
        try JSONSerialization.data(withJSONObject: patchedState).write(to: URL(fileURLWithPath: state))

        let second = try agent(folder, arguments)
        #expect(await eventually { try await siemd.events(source: "file").count >= 7 })
        try await Task.sleep(for: .milliseconds(500))
        let messages = try await siemd.events(source: "file").map { $0["message"] as! String }
        #expect(
            messages.sorted() == ["c-1", "c-2", "c-3", "new-1-longer-than-the-old-offset", "new-2", "old-1", "old-2"])
        #expect(second.stop(signal: SIGTERM) == 0)
    }

    @Test func rejectedLineGoesToDeadLetterAndTheRestArrives() async throws {
        let directory = try TemporaryDirectory(prefix: "tail-dead-letter")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        // siemd takes bodies up to 2000 bytes; the agent believes 16 KiB fit, so siemd answers 413.
        let siemd = try Siemd(folder: folder, environment: ["SIEM_MAX_BODY_BYTES": "2000"])
        let log = folder + "/app.log"
        let deadLetter = folder + "/dead.ndjson"
        var text = (0..<30).map { "short-\($0)\n" }.joined()
        text += String(repeating: "z", count: 3000) + "\n"
        text += (30..<60).map { "short-\($0)\n" }.joined()
        try append(text, to: log)
        let tail = try agent(
            folder,
            [
                "--file", log, "--endpoint", siemd.ingestURL, "--state", folder + "/state.json",
                "--dead-letter", deadLetter, "--max-batch-bytes", "16384",
            ])
        #expect(await eventually { try await siemd.events(source: "file").count == 60 })
        #expect(await eventually { FileManager.default.fileExists(atPath: deadLetter) })
        let dead = try String(contentsOfFile: deadLetter, encoding: .utf8).split(separator: "\n")
        #expect(dead.count == 1)
        let record = try JSONSerialization.jsonObject(with: Data(dead[0].utf8)) as! [String: Any]
        #expect(record["status"] as? Int == 413)
        #expect((record["event"] as? [String: Any])?["message"] as? String == String(repeating: "z", count: 3000))
        #expect(tail.stop(signal: SIGTERM) == 0)
        #expect(tail.log.contains("counters.dead_lettered=1"))
    }

    @Test func shutdownWhileServerIsAwayKeepsUnsentLinesForTheNextStart() async throws {
        let directory = try TemporaryDirectory(prefix: "tail-drain")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        let siemd = try Siemd(folder: folder)
        siemd.stop()
        let log = folder + "/app.log"
        let arguments = [
            "--file", log, "--endpoint", siemd.ingestURL, "--state", folder + "/state.json", "--drain-timeout", "1",
            "--max-retry-delay", "0.2",
        ]
        try append("while-away-1\nwhile-away-2\n", to: log)
        let first = try agent(folder, arguments)
        #expect(await eventually { first.log.contains("cannot reach siemd; retrying") })
        // SIGTERM gives up after the drain timeout and saves no position for unsent lines.
        #expect(first.stop(signal: SIGTERM) == 0)
        #expect(first.log.contains("drain timeout"))
        #expect(first.log.contains("counters.sent=0"))

        try siemd.restart()
        let second = try agent(folder, arguments)
        #expect(await eventually { try await siemd.events(source: "file").count == 2 })
        #expect(
            try await siemd.events(source: "file").map { $0["message"] as? String } == ["while-away-1", "while-away-2"])
        #expect(second.stop(signal: SIGTERM) == 0)
    }

    @Test func fromEndSkipsWhatWasThereAtStartOnly() async throws {
        let directory = try TemporaryDirectory(prefix: "tail-from-end")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        let siemd = try Siemd(folder: folder)
        let existing = folder + "/a.log"
        try append("before-start\n", to: existing)
        let tail = try agent(
            folder,
            [
                "--file", folder + "/*.log", "--endpoint", siemd.ingestURL, "--state", folder + "/state.json",
                "--from-end",
            ])
        #expect(await eventually { tail.log.contains("following file from its end") })
        try append("after-start\n", to: existing)
        // A file that appears later is new: read from its start.
        try append("late-file-first-line\n", to: folder + "/b.log")
        #expect(await eventually { try await siemd.events(source: "file").count >= 2 })
        let messages = try await siemd.events(source: "file").compactMap { $0["message"] as? String }
        #expect(Set(messages) == ["after-start", "late-file-first-line"])
        #expect(tail.stop(signal: SIGTERM) == 0)
    }

    /// Runs `siem-agent tail --once` to its exit; the status and the agent's log.
    func once(_ folder: String, _ arguments: [String]) throws -> (status: Int32?, log: String) {
        let run = try agent(folder, ["--once"] + arguments, name: "once")
        let status = run.exitStatus()
        return (status, run.log)
    }

    /// The last value of `counters.<name>` in an agent's log.
    func counter(_ name: String, in log: String) -> Int? {
        let matches = log.matches(of: try! Regex("counters\\.\(name)=(\\d+)"))
        return matches.last.flatMap { ($0.output[1].substring).flatMap { Int($0) } }
    }

    /// Every stored event of `source` by message.
    func byMessage(_ siemd: Siemd, source: String = "file") async throws -> [String: [String: Any]] {
        var events: [String: [String: Any]] = [:]
        for event in try await siemd.events(source: source) { events[event["message"] as? String ?? ""] = event }
        return events
    }

    static let mixedLines = [
        "plain text line",
        #"{"level":"info","msg":"user login","user":"alice","@timestamp":"2025-01-02T03:04:05Z","fields":{"req":7,"path":"/login"}}"#,
        #"{"log":"container says hi\n","stream":"stderr","time":"2025-01-02T03:04:06.123456789Z"}"#,
        #"{"Id":4624,"Message":"An account was successfully logged on.","TimeCreated":"/Date(1735787047000)/","Computer":"WIN-DC01","ProviderName":"Microsoft-Windows-Security-Auditing"}"#,
        #"{"message":"app with host","host":"web-7","ts":1735787048,"source":"billing"}"#,
        "{not json at all",
    ]

    @Test func formatAutoSendsJSONObjectsAsTheirFields() async throws {
        let directory = try TemporaryDirectory(prefix: "tail-format-auto")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        let siemd = try Siemd(folder: folder)
        let log = folder + "/mixed.log"
        try append(Self.mixedLines.joined(separator: "\n") + "\n", to: log)
        let (status, _) = try once(
            folder,
            [
                "--file", log, "--endpoint", siemd.ingestURL, "--state", folder + "/state.json", "--host", "shipper",
                "--log-type", "app",
            ])
        #expect(status == 0)
        let events = try await byMessage(siemd)
        #expect(
            Set(events.keys) == [
                "plain text line", "user login", "container says hi", "An account was successfully logged on.",
                "app with host", "{not json at all",
            ])
        func fields(_ message: String) -> [String: Any] { events[message]?["fields"] as? [String: Any] ?? [:] }

        #expect(events["plain text line"]?["host"] as? String == "shipper")
        #expect(fields("plain text line")["offset"] as? Int == 0)
        #expect(fields("{not json at all")["format_error"] == nil)

        let login = try #require(events["user login"])
        #expect(login["host"] as? String == "shipper")
        #expect(login["ts"] as? String == "2025-01-02T03:04:05.000Z")
        #expect(fields("user login")["user"] as? String == "alice")
        #expect(fields("user login")["level"] as? String == "info")
        #expect(fields("user login")["req"] as? Int == 7)
        // The agent's keys win over the object's own `fields`.
        #expect(fields("user login")["path"] as? String == log)
        #expect(fields("user login")["offset"] as? Int == Self.mixedLines[0].utf8.count + 1)
        #expect(fields("user login")["log_type"] as? String == "app")
        #expect(fields("user login")["_stream"] == nil)

        // Docker json-file: the message without its newline.
        #expect(events["container says hi"]?["host"] as? String == "shipper")
        #expect(fields("container says hi")["stream"] as? String == "stderr")

        // A Windows export names its host: it stays, the agent's name goes to `agent.hostname`.
        let logon = try #require(events["An account was successfully logged on."])
        #expect(logon["host"] as? String == "WIN-DC01")
        #expect(logon["ts"] as? String == "2025-01-02T03:04:07.000Z")
        let logonFields = fields("An account was successfully logged on.")
        #expect(logonFields["Id"] as? Int == 4624)
        #expect((logonFields["agent"] as? [String: Any])?["hostname"] as? String == "shipper")

        let app = try #require(events["app with host"])
        #expect(app["host"] as? String == "web-7")
        #expect(app["source"] as? String == "file")
        #expect(app["ts"] as? String == "2025-01-02T03:04:08.000Z")
        #expect(fields("app with host")["source"] as? String == "billing")
    }

    @Test func formatTextKeepsJSONAsText() async throws {
        let directory = try TemporaryDirectory(prefix: "tail-format-text")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        let siemd = try Siemd(folder: folder)
        let log = folder + "/mixed.log"
        try append(Self.mixedLines.joined(separator: "\n") + "\n", to: log)
        let base = ["--endpoint", siemd.ingestURL, "--host", "shipper", "--file", log]
        #expect(try once(folder, base + ["--format", "text", "--state", folder + "/text.json"]).status == 0)
        let events = try await byMessage(siemd)
        #expect(Set(events.keys) == Set(Self.mixedLines))
        #expect(events.values.allSatisfy { $0["host"] as? String == "shipper" })
        #expect(events.values.allSatisfy { ($0["fields"] as? [String: Any])?["format_error"] == nil })

        // --format json: the lines that are not objects are flagged.
        #expect(
            try once(folder, base + ["--format", "json", "--state", folder + "/json.json", "--source", "json"]).status
                == 0)
        let json = try await byMessage(siemd, source: "json")
        #expect(json.count == Self.mixedLines.count)
        let flagged = json.filter { ($0.value["fields"] as? [String: Any])?["format_error"] as? Bool == true }
        #expect(Set(flagged.keys) == ["plain text line", "{not json at all"])
    }

    @Test func onceShipsEveryFileToItsEndAndExits() async throws {
        let directory = try TemporaryDirectory(prefix: "tail-once")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        let siemd = try Siemd(folder: folder)
        let log = folder + "/app.log"
        let state = folder + "/state.json"
        let arguments = ["--file", folder + "/*.log", "--endpoint", siemd.ingestURL, "--state", state]
        try Self.write(0..<10, to: log)
        try append("other-1\n", to: folder + "/other.log")
        var run = try once(folder, arguments)
        #expect(run.status == 0)
        #expect(counter("sent", in: run.log) == 11)
        let afterTen = try Data(contentsOf: URL(fileURLWithPath: state))

        // The rest, and a last line without newline: sent at once, flagged partial.
        try Self.write(10..<1_000, to: log)
        try append("tail-without-newline", to: log)
        try append("other-2\n", to: folder + "/other.log")
        run = try once(folder, arguments)
        #expect(run.status == 0)
        #expect(counter("sent", in: run.log) == 992)
        #expect(counter("duplicates", in: run.log) == 0)
        #expect(run.log.contains("every file shipped to its end"))
        #expect(await siemd.eventCount() == 1_003)
        let partial = try await byMessage(siemd)["tail-without-newline"]
        #expect((partial?["fields"] as? [String: Any])?["partial"] as? Bool == true)

        // Nothing new: nothing sent.
        run = try once(folder, arguments)
        #expect(run.status == 0)
        #expect(counter("sent", in: run.log) == 0)
        #expect(counter("duplicates", in: run.log) == 0)

        // As if the second run had died before it saved a position: everything it sent is sent
        // again, and siemd stores none of it again.
        try afterTen.write(to: URL(fileURLWithPath: state))
        run = try once(folder, arguments)
        #expect(run.status == 0)
        #expect(counter("sent", in: run.log) == 0)
        #expect(counter("duplicates", in: run.log) == 992)
        #expect(await siemd.eventCount() == 1_003)

        // --from-end has nothing to do in a --once run.
        let refused = try once(folder, arguments + ["--from-end"])
        #expect(refused.status != 0)
        #expect(refused.log.contains("--from-end cannot go with --once"))
    }

    @Test func onceExitsNonZeroWhenALineIsDeadLettered() async throws {
        let directory = try TemporaryDirectory(prefix: "tail-once-dead-letter")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        // siemd takes bodies up to 2000 bytes; the agent believes 16 KiB fit, so siemd answers 413.
        let siemd = try Siemd(folder: folder, environment: ["SIEM_MAX_BODY_BYTES": "2000"])
        let log = folder + "/app.log"
        let deadLetter = folder + "/dead.ndjson"
        try append("before\n" + String(repeating: "z", count: 3000) + "\nafter\n", to: log)
        let run = try once(
            folder,
            [
                "--file", log, "--endpoint", siemd.ingestURL, "--state", folder + "/state.json",
                "--dead-letter", deadLetter, "--max-batch-bytes", "16384",
            ])
        #expect(run.status == 1)
        #expect(run.log.contains("siemd refused some lines; they are in the dead-letter file"))
        #expect(try String(contentsOfFile: deadLetter, encoding: .utf8).split(separator: "\n").count == 1)
        #expect(Set(try await byMessage(siemd).keys) == ["before", "after"])
    }

    @Test func onceStopsOnSIGTERMWhileServerIsAway() async throws {
        let directory = try TemporaryDirectory(prefix: "tail-once-term")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        let siemd = try Siemd(folder: folder)
        siemd.stop()
        let log = folder + "/app.log"
        try append("while-away\n", to: log)
        let run = try agent(
            folder,
            [
                "--once", "--file", log, "--endpoint", siemd.ingestURL, "--state", folder + "/state.json",
                "--drain-timeout", "1", "--max-retry-delay", "0.2",
            ])
        #expect(await eventually { run.log.contains("cannot reach siemd; retrying") })
        #expect(run.stop(signal: SIGTERM) == 75)
        #expect(run.log.contains("stopped before every file was shipped to its end"))
    }

    @Test func partialLineKeepsItsCutAfterACrash() async throws {
        let directory = try TemporaryDirectory(prefix: "tail-partial-cut")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        let siemd = try Siemd(folder: folder)
        let log = folder + "/app.log"
        let state = folder + "/state.json"
        let arguments = ["--file", log, "--endpoint", siemd.ingestURL, "--state", state]
        try append("abc", to: log)
        #expect(try once(folder, arguments).status == 0)
        // As if the agent had died after siemd stored the partial line and before the position
        // was saved: only where the partial line was cut is known (it is saved before sending).
        var saved =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: state))) as! [String: Any]
        var entry = (saved["files"] as! [[String: Any]])[0]
        #expect(entry["offset"] as? Int == 3)
        entry["offset"] = 0
        entry["partial_end"] = 3
        saved["files"] = [entry]
        try JSONSerialization.data(withJSONObject: saved).write(to: URL(fileURLWithPath: state))
        // The rest of the line arrives: read again from 0, the line is cut at 3 as before, so siemd
        // drops "abc" as stored and keeps "def".
        try append("def\n", to: log)
        let run = try once(folder, arguments)
        #expect(run.status == 0)
        #expect(counter("duplicates", in: run.log) == 1)
        #expect(counter("sent", in: run.log) == 1)
        let messages = try await siemd.events(source: "file").compactMap { $0["message"] as? String }
        #expect(messages == ["abc", "def"])
    }
}
