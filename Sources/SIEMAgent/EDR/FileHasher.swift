import Crypto
import Foundation
import SIEMCore

/// `collect_file_hash`: streams a regular file through SHA-256, refusing files above a size cap and
/// any path `HashPathPolicy` does not allow once symlinks and `..` are resolved.
enum FileHasher {
    static func hash(path: String, policy: HashPathPolicy, maxBytes: Int) -> ActionOutcome {
        guard path.hasPrefix("/"), !path.contains("\0"), path.utf8.count <= 4096 else {
            return .failed("params.path must be an absolute path")
        }
        let (resolved, resolveError) = PathResolution.resolve(path)
        let shown = resolved == path ? path : "\(path) (\(resolved))"
        if let reason = policy.refusal(resolvedPath: resolved) {
            return .refused("refusing to hash \(shown): \(reason)")
        }
        if let resolveError {
            if resolveError == ENOENT || resolveError == ENOTDIR { return .failed("no such file: \(path)") }
            if resolveError == EACCES { return .failed("permission denied: \(path)") }
            return .failed("cannot resolve \(path): \(String(cString: strerror(resolveError)))")
        }
        // The resolved path has no symlink left: O_NOFOLLOW refuses one swapped in meanwhile,
        // O_NONBLOCK keeps a FIFO swapped in from blocking the open.
        let descriptor = open(resolved, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return .failed("no such file: \(path)") }
            if errno == ELOOP { return .refused("refusing to hash \(shown): it changed into a symlink") }
            return .failed(
                errno == EACCES
                    ? "permission denied: \(path)" : "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        // What was opened is what was checked (a parent folder swapped for a symlink would differ).
        guard let opened = ProcFS.readLink("/proc/self/fd/\(descriptor)"), opened == resolved else {
            return .refused("refusing to hash \(shown): the path changed while it was opened")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            return .failed("cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return .refused("refusing to hash \(shown): not a regular file")
        }
        guard Int(info.st_size) <= maxBytes else {
            return .failed("file is \(info.st_size) bytes, above the \(maxBytes)-byte cap")
        }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failed("read failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            total += count
            guard total <= maxBytes else { return .failed("file grew above the \(maxBytes)-byte cap while reading") }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        var output: [String: JSONValue] = [
            "path": .string(path), "sha256": .string(digest), "size": .int(Int64(total)),
        ]
        if resolved != path { output["resolved_path"] = .string(resolved) }
        return .succeeded(output)
    }
}
