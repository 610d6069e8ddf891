import Foundation

/// The saved positions: the agent's instance id, and for each file its identity, fingerprint,
/// stream generation and the offset up to which siemd acknowledged every line. Written atomically
/// (temp file, fsync, rename, fsync of the folder).
///
/// A file's lines are sent as the stream `<agentID>/<device>:<inode>/<generation>` (see
/// `streamID`). siemd keeps per stream the offset it has stored up to, so a line read again after
/// a crash is stored once. A generation names one content: each new file, and each time a file's
/// content is replaced, takes `nextGeneration`, and the state is saved before any of its lines is
/// sent, so a number is never used for two contents (an inode reused after its file was released
/// gets a new number too).
struct TailState: Codable, Sendable {
    struct Entry: Codable, Sendable {
        var path: String
        var device: UInt64
        var inode: UInt64
        var fingerprint: Fingerprint
        var offset: Int64
        var generation: Int
        /// Where a last line without newline, sent as partial, ended: siemd may have stored it
        /// before the agent saved its position, so reading again splits the line there.
        var partialEnd: Int64?

        var identity: FileIdentity { FileIdentity(device: device, inode: inode) }

        init(
            path: String, identity: FileIdentity, fingerprint: Fingerprint, offset: Int64, generation: Int,
            partialEnd: Int64?
        ) {
            self.path = path
            self.device = identity.device
            self.inode = identity.inode
            self.fingerprint = fingerprint
            self.offset = offset
            self.generation = generation
            self.partialEnd = partialEnd
        }

        enum CodingKeys: String, CodingKey {
            case path, device, inode, fingerprint, offset, generation
            case partialEnd = "partial_end"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = try container.decode(String.self, forKey: .path)
            device = try container.decode(UInt64.self, forKey: .device)
            inode = try container.decode(UInt64.self, forKey: .inode)
            fingerprint = try container.decode(Fingerprint.self, forKey: .fingerprint)
            offset = try container.decode(Int64.self, forKey: .offset)
            // Version 1 files had neither.
            generation = try container.decodeIfPresent(Int.self, forKey: .generation) ?? 0
            partialEnd = try container.decodeIfPresent(Int64.self, forKey: .partialEnd)
        }
    }

    var version = 2
    /// A random UUID made once per positions file: the first part of every stream id.
    var agentID: String
    /// The generation the next new or replaced content takes.
    var nextGeneration: Int
    var files: [Entry]

    init(agentID: String = UUID().uuidString.lowercased(), nextGeneration: Int = 0, files: [Entry] = []) {
        self.agentID = agentID
        self.nextGeneration = nextGeneration
        self.files = files
    }

    enum CodingKeys: String, CodingKey {
        case version, files
        case agentID = "agent_id"
        case nextGeneration = "next_generation"
    }

    /// Whether `agentID` was made by this load (the file was missing or had none).
    private(set) var isNewAgent = false

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decodeIfPresent(Int.self, forKey: .version) ?? 1
        files = try container.decodeIfPresent([Entry].self, forKey: .files) ?? []
        if let agentID = try container.decodeIfPresent(String.self, forKey: .agentID), !agentID.isEmpty {
            self.agentID = agentID
        } else {
            agentID = UUID().uuidString.lowercased()
            isNewAgent = true
        }
        let saved = try container.decodeIfPresent(Int.self, forKey: .nextGeneration) ?? 0
        nextGeneration = max(saved, (files.map(\.generation).max() ?? -1) + 1)
        version = 2
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(agentID, forKey: .agentID)
        try container.encode(nextGeneration, forKey: .nextGeneration)
        try container.encode(files, forKey: .files)
    }

    /// The stream a file's content is sent as: at most 36 + 1 + 41 + 1 + 19 bytes, within siemd's 200.
    static func streamID(agentID: String, identity: FileIdentity, generation: Int) -> String {
        "\(agentID)/\(identity.device):\(identity.inode)/\(generation)"
    }

    static func load(from path: String) throws -> TailState {
        guard FileManager.default.fileExists(atPath: path) else {
            var state = TailState()
            state.isNewAgent = true
            return state
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(TailState.self, from: data)
    }

    func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(self)
        try AtomicFile.replace(path, with: data)
    }
}

enum AtomicFile {
    struct WriteError: Error, CustomStringConvertible {
        var path: String
        var step: String
        var errno: Int32
        var description: String { "\(step) \(path): \(String(cString: strerror(errno)))" }
    }

    /// Writes `data` to a temporary file beside `path`, fsyncs it, renames it over `path` and
    /// fsyncs the folder, so a crash leaves either the old or the new content.
    static func replace(_ path: String, with data: Data) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let folder = directory.isEmpty ? "." : directory
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteError(path: temporary, step: "open", errno: errno) }
        var failure: WriteError?
        data.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let count = write(fd, bytes.baseAddress! + done, bytes.count - done)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = WriteError(path: temporary, step: "write", errno: errno)
                    return
                }
                done += count
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = WriteError(path: temporary, step: "fsync", errno: errno) }
        close(fd)
        if let failure { throw failure }
        guard rename(temporary, path) == 0 else { throw WriteError(path: path, step: "rename", errno: errno) }
        let folderFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderFD >= 0 {
            fsync(folderFD)
            close(folderFD)
        }
    }
}
