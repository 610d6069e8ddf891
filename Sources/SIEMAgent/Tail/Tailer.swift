import Foundation
import Logging

/// Follows files matching glob patterns and ships their lines, committing a file's position only
/// after siemd acknowledged the lines before it. One task runs it; nothing in it is shared.
final class Tailer {
    struct Configuration {
        var patterns: [String]
        var logType: String?
        var fromEnd = false
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
    let encoder: EventEncoder
    let shipper: Shipper
    let counters: Counters
    let shutdown: ShutdownSignal
    let logger: Logger

    private var files: [FileIdentity: TrackedFile] = [:]
    private var saved: [FileIdentity: TailState.Entry] = [:]
    private var firstScan = true
    private var lines: [[UInt8]] = []
    private var marks: [Mark] = []
    private var batchBytes = 0
    private var batchStarted = ContinuousClock.now
    private var buffer = [UInt8](repeating: 0, count: 256 << 10)

    init(
        configuration: Configuration, encoder: EventEncoder, shipper: Shipper, counters: Counters,
        shutdown: ShutdownSignal, logger: Logger
    ) throws {
        self.configuration = configuration
        self.encoder = encoder
        self.shipper = shipper
        self.counters = counters
        self.shutdown = shutdown
        self.logger = logger
        let state = try TailState.load(from: configuration.statePath)
        for entry in state.files { saved[entry.identity] = entry }
    }

    /// Tails until shutdown is requested, then sends what was read (within the drain timeout) and
    /// saves positions.
    func run() async {
        var lastScan: ContinuousClock.Instant?
        while !shutdown.isRequested {
            if lastScan.map({ ContinuousClock.now - $0 >= configuration.scanInterval }) ?? true {
                scan()
                lastScan = .now
            }
            var progressed = false
            for file in files.values.sorted(by: { $0.path < $1.path }) where !shutdown.isRequested {
                if file.checkReplaced() {
                    logger.info(
                        "file truncated or replaced; reading from its start",
                        metadata: ["file.path": "\(file.path)", "file.id": "\(file.identity)"])
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
                file.flushPartial(olderThan: configuration.partialLineTimeout) { append($0, $1, file: file) }
            }
            if !lines.isEmpty,
                !progressed || isBatchFull || ContinuousClock.now - batchStarted >= configuration.limits.wait
            {
                await flush()
            }
            if !progressed { await shutdown.sleep(configuration.pollInterval) }
        }
        if !lines.isEmpty {
            logger.info("draining before exit", metadata: ["batch.events": "\(lines.count)"])
            if await !flush() {
                logger.warning(
                    "drain timeout: unacknowledged lines will be read again at the next start",
                    metadata: ["batch.events": "\(lines.count)"])
            }
        }
        saveState()
    }

    private var isBatchFull: Bool {
        batchBytes >= configuration.limits.bytes || lines.count >= configuration.limits.events
    }

    private func append(_ bytes: ArraySlice<UInt8>, _ line: TrackedFile.Line, file: TrackedFile) {
        var message = bytes
        if message.last == 0x0D { message = message.dropLast() }
        counters.add { $0.received += 1 }
        guard !message.isEmpty || line.truncated else { return }
        var fields: [(String, FieldValue)] = []
        if let logType = configuration.logType { fields.append(("log_type", .string(logType))) }
        fields.append(("path", .string(file.path)))
        fields.append(("offset", .int(line.offset)))
        if line.partial { fields.append(("partial", .bool(true))) }
        let encoded = encoder.encode(message: message, fields: fields, truncated: line.truncated)
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
        var state = TailState()
        for file in files.values.sorted(by: { $0.path < $1.path }) {
            state.files.append(
                TailState.Entry(
                    path: file.path, device: file.identity.device, inode: file.identity.inode,
                    fingerprint: file.fingerprint, offset: file.committedOffset))
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
            saved = saved.filter { files[$0.key] != nil }
        }
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
            saved[identity] = nil
        }
    }

    private func follow(_ path: String) {
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
        var how = "from its start"
        if let entry = saved[identity] {
            if entry.fingerprint.length <= size, entry.fingerprint.matches(fd: fd) {
                offset = entry.offset <= size ? entry.offset : 0
                how = entry.offset <= size ? "from its saved position" : "from its start (truncated)"
            } else {
                how = "from its start (same inode, different content)"
            }
            saved[identity] = nil
        } else if firstScan, configuration.fromEnd {
            offset = size
            how = "from its end"
        }
        files[identity] = TrackedFile(
            identity: identity, fd: fd, path: path, fingerprint: fingerprint, offset: offset)
        logger.info(
            "following file \(how)",
            metadata: ["file.path": "\(path)", "file.id": "\(identity)", "file.offset": "\(offset)"])
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
