import Foundation
import Logging
import SIEMCore

/// Follows files matching glob patterns and ships their lines, committing a file's position only
/// after siemd acknowledged the lines before it. One task runs it; nothing in it is shared.
///
/// Each line carries `_stream` (the file's stream id and the line's byte range), so siemd stores a
/// line sent again after a crash or a lost answer only once: delivery is exactly once.
final class Tailer {
    struct Configuration {
        var patterns: [String]
        var fromEnd = false
        /// Read every file to its end once, send the last line without newline at once, and return.
        var once = false
        var statePath: String
        var maxLineBytes = 1 << 20
        var partialLineTimeout: Duration = .seconds(5)
        var scanInterval: Duration = .seconds(1)
        var pollInterval: Duration = .milliseconds(200)
        /// How long a file no longer at a watched path stays open after its last byte was read and
        /// acknowledged (a writer may still append right after a rename).
        var releaseAfter: Duration = .seconds(5)
        /// The most bytes read from one file before the others get their turn.
        var readPerTurn = 4 << 20
        var limits: BatchLimits
    }

    private struct Mark {
        var identity: FileIdentity
        var generation: Int
        var end: Int64
    }

    let configuration: Configuration
    let encoder: LineEncoder
    let shipper: Shipper
    let counters: Counters
    let shutdown: ShutdownSignal
    let logger: Logger

    private var files: [FileIdentity: TrackedFile] = [:]
    private var saved: [FileIdentity: TailState.Entry] = [:]
    private let agentID: String
    private var nextGeneration: Int
    private var firstScan = true
    private var lines: [[UInt8]] = []
    private var marks: [Mark] = []
    private var batchBytes = 0
    private var batchStarted = ContinuousClock.now
    private var buffer = [UInt8](repeating: 0, count: 256 << 10)

    init(
        configuration: Configuration, encoder: LineEncoder, shipper: Shipper, counters: Counters,
        shutdown: ShutdownSignal, logger: Logger
    ) throws {
        self.configuration = configuration
        self.encoder = encoder
        self.shipper = shipper
        self.counters = counters
        self.shutdown = shutdown
        self.logger = logger
        let state = try TailState.load(from: configuration.statePath)
        agentID = state.agentID
        nextGeneration = state.nextGeneration
        for entry in state.files { saved[entry.identity] = entry }
        // The stream ids of everything sent from now on start with this id: keep it before sending.
        if state.isNewAgent { saveState() }
    }

    /// Tails until shutdown is requested (with `once`, until every file was read to its end and
    /// acknowledged), then sends what was read (within the drain timeout) and saves positions.
    /// Returns whether every line read was acknowledged and, with `once`, every file read to its end.
    func run() async -> Bool {
        var lastScan: ContinuousClock.Instant?
        var finished = false
        while !shutdown.isRequested {
            // With `once`, the files are the ones that match at the start.
            let scanDue = lastScan.map { !configuration.once && ContinuousClock.now - $0 >= configuration.scanInterval }
            if scanDue ?? true {
                scan()
                lastScan = .now
            }
            let progressed = await readTurn()
            if configuration.once, !progressed, !shutdown.isRequested {
                flushPartials(olderThan: .zero)
                if !lines.isEmpty { await flush() }
                finished = lines.isEmpty
                if finished { break }
                continue
            }
            if !lines.isEmpty,
                !progressed || isBatchFull || ContinuousClock.now - batchStarted >= configuration.limits.wait
            {
                await flush()
            }
            if !progressed { await shutdown.sleep(configuration.pollInterval) }
        }
        var drained = true
        if !lines.isEmpty {
            logger.info("draining before exit", metadata: ["batch.events": "\(lines.count)"])
            drained = await flush()
            if !drained {
                logger.warning(
                    "drain timeout: unacknowledged lines will be read again at the next start",
                    metadata: ["batch.events": "\(lines.count)"])
            }
        }
        saveState()
        return drained && (finished || !configuration.once)
    }

    /// Reads each file up to `readPerTurn`, flushing full batches. Returns whether anything was read.
    private func readTurn() async -> Bool {
        var progressed = false
        for file in files.values.sorted(by: { $0.path < $1.path }) where !shutdown.isRequested {
            if file.checkReplaced(newGeneration: allocateGeneration) {
                logger.info(
                    "file truncated or replaced; reading from its start",
                    metadata: [
                        "file.path": "\(file.path)", "file.id": "\(file.identity)",
                        "file.generation": "\(file.generation)",
                    ])
                // The new generation is saved before any line of the new content is sent.
                saveState()
            }
            var readThisTurn = 0
            while readThisTurn < configuration.readPerTurn {
                let count = file.read(into: &buffer, maxLineBytes: configuration.maxLineBytes) {
                    append($0, $1, file: file)
                }
                if count == 0 { break }
                readThisTurn += count
                progressed = true
                if isBatchFull { guard await flush() else { break } }
            }
            if !configuration.once { flushPartials(of: [file], olderThan: configuration.partialLineTimeout) }
        }
        return progressed
    }

    /// Hands out the waiting partial lines, saving where each was cut before it is sent.
    private func flushPartials(of only: [TrackedFile]? = nil, olderThan timeout: Duration) {
        var cut = false
        for file in only ?? files.values.sorted(by: { $0.path < $1.path }) {
            if file.flushPartial(olderThan: timeout, emit: { append($0, $1, file: file) }) != nil { cut = true }
        }
        if cut { saveState() }
    }

    private var isBatchFull: Bool {
        batchBytes >= configuration.limits.bytes || lines.count >= configuration.limits.events
    }

    private func allocateGeneration() -> Int {
        defer { nextGeneration += 1 }
        return nextGeneration
    }

    private func append(_ bytes: ArraySlice<UInt8>, _ line: TrackedFile.Line, file: TrackedFile) {
        var message = bytes
        if message.last == 0x0D { message = message.dropLast() }
        counters.add { $0.received += 1 }
        guard !message.isEmpty || line.truncated else { return }
        let stream = StreamPosition(
            id: TailState.streamID(agentID: agentID, identity: file.identity, generation: file.generation),
            start: line.offset, end: line.end)
        let encoded = encoder.encode(message, line, path: file.path, stream: stream)
        if encoded.truncated { counters.add { $0.truncated += 1 } }
        if lines.isEmpty { batchStarted = .now }
        lines.append(encoded.line)
        marks.append(Mark(identity: file.identity, generation: file.generation, end: line.end))
        batchBytes += encoded.line.count + 1
    }

    /// Sends the read lines in batches within the limits, committing and saving positions after
    /// each acknowledgement. Returns false when the drain timeout ran out first.
    @discardableResult
    private func flush() async -> Bool {
        let sending = lines
        lines = []
        batchBytes = 0
        var done = 0
        let delivered = await shipper.ship(sending, limits: configuration.limits) { range in
            for mark in marks[range] {
                if let file = files[mark.identity], file.generation == mark.generation, mark.end > file.committedOffset
                {
                    file.committedOffset = mark.end
                }
            }
            done = range.upperBound
            saveState()
        }
        marks.removeFirst(done)
        if !delivered {
            lines = Array(sending[done...])
            batchBytes = lines.reduce(0) { $0 + $1.count + 1 }
        }
        return delivered
    }

    private func saveState() {
        var state = TailState(agentID: agentID, nextGeneration: nextGeneration)
        for file in files.values.sorted(by: { $0.path < $1.path }) {
            state.files.append(
                TailState.Entry(
                    path: file.path, identity: file.identity, fingerprint: file.fingerprint,
                    offset: file.committedOffset, generation: file.generation,
                    partialEnd: file.unacknowledgedPartialEnd))
        }
        state.files.append(contentsOf: saved.values.filter { files[$0.identity] == nil })
        do {
            try state.save(to: configuration.statePath)
        } catch {
            logger.error(
                "cannot save positions", metadata: ["file.path": "\(configuration.statePath)", "error": "\(error)"])
        }
    }

    /// Opens files that newly match, lets go of files that left every pattern once they are read to
    /// their end and acknowledged.
    private func scan() {
        let now = ContinuousClock.now
        var seen: Set<FileIdentity> = []
        let generations = nextGeneration
        for path in Self.expand(configuration.patterns) {
            var status = stat()
            guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            let identity = FileIdentity(status)
            seen.insert(identity)
            if let file = files[identity] {
                file.path = path
                file.lastSeenAtPath = now
                continue
            }
            follow(path)
        }
        if firstScan {
            firstScan = false
            followRenamed()
            saved = [:]
        }
        // New generations are saved before any of their lines is sent.
        if nextGeneration != generations { saveState() }
        for (identity, file) in files where !seen.contains(identity) {
            guard now - file.lastSeenAtPath >= configuration.releaseAfter,
                now - file.lastGrowth >= configuration.releaseAfter,
                !file.hasPending, file.committedOffset == file.size,
                !marks.contains(where: { $0.identity == identity })
            else { continue }
            logger.info(
                "file gone from the watched paths and read to its end; released",
                metadata: ["file.path": "\(file.path)"])
            files[identity] = nil
        }
    }

    /// Files with a saved position that no watched path names any more, because they were renamed
    /// (rotated) while the agent was stopped: found in their folder by device and inode and read to
    /// their end when their content still matches.
    private func followRenamed() {
        let missing = saved.values.filter { files[$0.identity] == nil }
        let folders = Dictionary(grouping: missing) { ($0.path as NSString).deletingLastPathComponent }
        for (folder, entries) in folders {
            let wanted = Set(entries.map(\.identity))
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)
            else { continue }
            for name in names.sorted() {
                let path = folder.isEmpty ? name : folder + "/" + name
                var status = stat()
                guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG,
                    wanted.contains(FileIdentity(status)), files[FileIdentity(status)] == nil
                else { continue }
                follow(path, renamedFrom: saved[FileIdentity(status)]?.path)
            }
        }
    }

    /// Opens `path` and follows it from where its saved entry says. With `renamedFrom`, only when
    /// the saved entry still matches and bytes are left to read.
    private func follow(_ path: String, renamedFrom: String? = nil) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            logger.warning("cannot open file", metadata: ["file.path": "\(path)", "errno": "\(errno)"])
            return
        }
        var status = stat()
        guard fstat(fd, &status) == 0, let fingerprint = Fingerprint.read(fd: fd) else {
            close(fd)
            return
        }
        let identity = FileIdentity(status)
        guard files[identity] == nil else {
            close(fd)
            return
        }
        let size = Int64(status.st_size)
        var offset: Int64 = 0
        var generation: Int?
        var partialEnd: Int64?
        var how = "from its start"
        if let entry = saved[identity] {
            if entry.fingerprint.length <= size, entry.fingerprint.matches(fd: fd), entry.offset <= size {
                offset = entry.offset
                generation = entry.generation
                partialEnd = entry.partialEnd
                how = "from its saved position"
            } else if entry.fingerprint.length <= size, entry.fingerprint.matches(fd: fd) {
                how = "from its start (truncated)"
            } else {
                how = "from its start (same inode, different content)"
            }
        } else if firstScan, configuration.fromEnd {
            offset = size
            how = "from its end"
        }
        if let renamedFrom {
            guard generation != nil, offset < size else {
                close(fd)
                return
            }
            how = "renamed from \(renamedFrom) while stopped, from its saved position"
        }
        saved[identity] = nil
        let file = TrackedFile(
            identity: identity, fd: fd, path: path, fingerprint: fingerprint, offset: offset,
            generation: generation ?? allocateGeneration(), partialEnd: partialEnd)
        files[identity] = file
        logger.info(
            "following file \(how)",
            metadata: [
                "file.path": "\(path)", "file.id": "\(identity)", "file.offset": "\(offset)",
                "file.generation": "\(file.generation)",
            ])
    }

    /// Every existing path matching the glob patterns, without duplicates.
    static func expand(_ patterns: [String]) -> [String] {
        var paths: [String] = []
        var seen: Set<String> = []
        for pattern in patterns {
            var result = glob_t()
            defer { globfree(&result) }
            guard glob(pattern, 0, nil, &result) == 0 else { continue }
            for index in 0..<Int(result.gl_pathc) {
                guard let pointer = result.gl_pathv[index] else { continue }
                let path = String(cString: pointer)
                if seen.insert(path).inserted { paths.append(path) }
            }
        }
        return paths
    }
}
