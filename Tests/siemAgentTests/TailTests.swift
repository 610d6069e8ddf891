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

    @Test func everyLineArrivesThroughRotationsServerRestartAndKill() async throws {
        let directory = try TemporaryDirectory(prefix: "tail-e2e")
        defer { withExtendedLifetime(directory) {} }
        let folder = directory.url.path
        let siemd = try Siemd(folder: folder)
        let log = folder + "/app.log"
        let arguments = [
            "--file", log, "--endpoint", siemd.ingestURL, "--source", "file", "--log-type", "test",
            "--host", "tail-test", "--state", folder + "/state.json", "--max-batch-events", "1000",
            "--max-retry-delay", "0.5",
        ]
        var tail = try agent(folder, arguments)

        try Self.write(0..<10_000, to: log)
        // The agent has the file open once its first lines arrive.
        #expect(await eventually { await siemd.eventCount() ?? 0 > 0 })
        // Rename rotation while the agent reads: the old file is read to its end.
        #expect(rename(log, log + ".1") == 0)
        try Self.write(10_000..<20_000, to: log)
        // The server goes away mid-stream and comes back on the same port.
        #expect(await eventually { await siemd.eventCount() ?? 0 >= 12_000 })
        siemd.stop()
        try Self.write(20_000..<25_000, to: log)
        try await Task.sleep(for: .seconds(1))
        try siemd.restart()
        #expect(tail.log.contains("cannot reach siemd; retrying"))
        try Self.write(25_000..<30_000, to: log)
        // The agent dies without warning and starts again from its saved positions.
        #expect(await eventually { await siemd.eventCount() ?? 0 >= 26_000 })
        tail.stop(signal: SIGKILL)
        try Self.write(30_000..<35_000, to: log)
        tail = try agent(folder, arguments)
        #expect(await eventually { await siemd.eventCount() ?? 0 >= 35_000 })
        // Second rename rotation.
        #expect(rename(log, log + ".2") == 0)
        try Self.write(35_000..<40_000, to: log)
        // copytruncate: copy, then truncate in place; reading restarts at 0 of the new content.
        #expect(
            await eventually(timeout: 60) {
                guard await siemd.eventCount() ?? 0 >= 40_000 else { return false }
                return try await arrivals(siemd).counts.count == 40_000
            })
        try FileManager.default.copyItem(atPath: log, toPath: log + ".3")
        #expect(truncate(log, 0) == 0)
        try Self.write(40_000..<50_000, to: log)

        #expect(
            await eventually(timeout: 90) {
                guard await siemd.eventCount() ?? 0 >= 50_000 else { return false }
                return try await arrivals(siemd).counts.count == 50_000
            })
        #expect(tail.stop(signal: SIGTERM) == 0)
        let (counts, events) = try await arrivals(siemd)
        let missing = (0..<50_000).filter { counts[$0] == nil }
        #expect(missing.count == 0, "missing \(missing.count), first \(missing.prefix(10))")
        // One batch may repeat per crash (the kill) and per lost acknowledgement (the server stop).
        let duplicates = counts.values.reduce(0) { $0 + $1 - 1 }
        #expect(duplicates <= 2_000, "\(duplicates) duplicates")
        // Each event says where it came from: files start at 0, 10000, 35000 and 40000 (copytruncate).
        let fileStarts = [0, 10_000, 35_000, 40_000]
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
        try JSONSerialization.data(withJSONObject: ["version": 1, "files": patched]).write(
            to: URL(fileURLWithPath: state))

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
}
