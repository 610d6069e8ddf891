import Foundation

/// One open file being followed. Read and written only by the `Tailer` that owns it.
final class TrackedFile {
    let identity: FileIdentity
    let fd: Int32
    var path: String
    var fingerprint: Fingerprint
    /// The stream generation of the content being read (see `TailState`); a new one when the
    /// content is replaced, so acknowledgements of lines read before cannot move the new content's
    /// position and siemd tells the new content from the old.
    private(set) var generation: Int
    /// Everything before this offset is in complete lines handed out, or in `pending`.
    private(set) var readOffset: Int64
    /// Every line ending at or before this offset was acknowledged by siemd.
    var committedOffset: Int64
    /// Where the last partial line sent ended (see `TailState.Entry.partialEnd`): reading again
    /// from before it cuts the line there again, so every line keeps its byte range.
    private(set) var partialEnd: Int64?
    /// The start of a line whose newline has not arrived yet (at most `maxLineBytes` of it).
    private var pending: [UInt8] = []
    private var pendingStart: Int64 = 0
    private var pendingDropped = 0
    private(set) var lastGrowth = ContinuousClock.now
    var lastSeenAtPath = ContinuousClock.now

    init(
        identity: FileIdentity, fd: Int32, path: String, fingerprint: Fingerprint, offset: Int64, generation: Int,
        partialEnd: Int64? = nil
    ) {
        self.identity = identity
        self.fd = fd
        self.path = path
        self.fingerprint = fingerprint
        self.generation = generation
        self.readOffset = offset
        self.committedOffset = offset
        self.partialEnd = partialEnd.flatMap { $0 > offset ? $0 : nil }
    }

    deinit { close(fd) }

    var size: Int64 {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return 0 }
        return Int64(status.st_size)
    }

    var hasPending: Bool { !pending.isEmpty || pendingDropped > 0 }

    /// The partial-line cut still ahead of the acknowledged position, to save.
    var unacknowledgedPartialEnd: Int64? { partialEnd.flatMap { $0 > committedOffset ? $0 : nil } }

    /// Detects copytruncate (the file shrank below what was read) and replaced content (the first
    /// bytes changed); either restarts reading at 0 as `newGeneration()`. Grows the fingerprint
    /// while the file is short.
    func checkReplaced(newGeneration: () -> Int) -> Bool {
        let size = self.size
        if size < readOffset || !fingerprint.matches(fd: fd) {
            generation = newGeneration()
            readOffset = 0
            committedOffset = 0
            partialEnd = nil
            pending = []
            pendingDropped = 0
            fingerprint = Fingerprint.read(fd: fd) ?? Fingerprint(length: 0, hash: Fingerprint.hash([]))
            return true
        }
        if fingerprint.length < Fingerprint.targetLength, size > fingerprint.length,
            let longer = Fingerprint.read(fd: fd)
        {
            fingerprint = longer
        }
        return false
    }

    /// A line ready to ship: where it starts, where the next one starts, and how it was cut.
    struct Line {
        var offset: Int64
        var end: Int64
        var truncated: Bool
        var partial: Bool
    }

    /// Reads one chunk into `buffer` and hands out every complete line; bytes after the last
    /// newline wait in `pending`. Returns the number of bytes read (0 at the end of the file, and
    /// when the content was replaced under the read: `checkReplaced` then starts it over).
    func read(
        into buffer: inout [UInt8], maxLineBytes: Int, emit: (ArraySlice<UInt8>, Line) -> Void
    ) -> Int {
        // After a restart, the partial line sent before ends where it ended then.
        let cut = partialEnd.flatMap { $0 > readOffset ? $0 : nil }
        let wanted = cut.map { min(buffer.count, Int($0 - readOffset)) } ?? buffer.count
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, wanted, off_t(readOffset)) }
        // Bytes read after a truncation and rewrite belong to the new content: a copytruncate
        // between `checkReplaced` and this read changed the first bytes before these.
        guard count > 0, fingerprint.matches(fd: fd) else { return 0 }
        lastGrowth = .now
        var start = 0
        while let newline = buffer[start..<count].firstIndex(of: 0x0A) {
            let piece = buffer[start..<newline]
            let end = readOffset + Int64(newline) + 1
            if hasPending {
                let room = maxLineBytes - pending.count
                pending.append(contentsOf: piece.prefix(max(room, 0)))
                pendingDropped += max(piece.count - room, 0)
                emit(pending[...], Line(offset: pendingStart, end: end, truncated: pendingDropped > 0, partial: false))
                pending.removeAll(keepingCapacity: true)
                pendingDropped = 0
            } else {
                let lineStart = readOffset + Int64(start)
                emit(
                    piece.prefix(maxLineBytes),
                    Line(offset: lineStart, end: end, truncated: piece.count > maxLineBytes, partial: false))
            }
            start = newline + 1
        }
        if start < count {
            if !hasPending { pendingStart = readOffset + Int64(start) }
            let piece = buffer[start..<count]
            let room = maxLineBytes - pending.count
            pending.append(contentsOf: piece.prefix(max(room, 0)))
            pendingDropped += max(piece.count - room, 0)
        }
        readOffset += Int64(count)
        if let cut, readOffset == cut, hasPending { emitPartial(emit) }
        return count
    }

    /// Hands out the waiting partial line when nothing was appended for `timeout`. Returns its end
    /// when it did (the caller saves it as `partialEnd` before sending the line).
    func flushPartial(olderThan timeout: Duration, emit: (ArraySlice<UInt8>, Line) -> Void) -> Int64? {
        guard hasPending, ContinuousClock.now - lastGrowth >= timeout else { return nil }
        partialEnd = readOffset
        emitPartial(emit)
        return readOffset
    }

    private func emitPartial(_ emit: (ArraySlice<UInt8>, Line) -> Void) {
        emit(
            pending[...], Line(offset: pendingStart, end: readOffset, truncated: pendingDropped > 0, partial: true))
        pending.removeAll(keepingCapacity: true)
        pendingDropped = 0
    }
}
