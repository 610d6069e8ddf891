import Crypto
import Foundation
import SIEMCore

/// `collect_file_hash`: streams a regular file through SHA-256, refusing files above a size cap.
enum FileHasher {
    static func hash(path: String, maxBytes: Int) -> ActionOutcome {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return .failed("no such file: \(path)") }
            if errno == EACCES { return .failed("permission denied: \(path)") }
            return .failed("cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .failed("not a regular file: \(path)") }
        guard Int(info.st_size) <= maxBytes else {
            return .failed("file is \(info.st_size) bytes, above the \(maxBytes)-byte cap")
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return .failed(
                errno == EACCES
                    ? "permission denied: \(path)" : "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
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
        return .succeeded(["path": .string(path), "sha256": .string(digest), "size": .int(Int64(total))])
    }
}
