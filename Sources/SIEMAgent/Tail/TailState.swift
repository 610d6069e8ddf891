import Foundation

/// The saved positions: for each file, its identity, fingerprint and the offset up to which siemd
/// acknowledged every line. Written atomically (temp file, fsync, rename, fsync of the folder).
struct TailState: Codable, Sendable {
    struct Entry: Codable, Sendable {
        var path: String
        var device: UInt64
        var inode: UInt64
        var fingerprint: Fingerprint
        var offset: Int64

        var identity: FileIdentity { FileIdentity(device: device, inode: inode) }
    }

    var version = 1
    var files: [Entry] = []

    static func load(from path: String) throws -> TailState {
        guard FileManager.default.fileExists(atPath: path) else { return TailState() }
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
