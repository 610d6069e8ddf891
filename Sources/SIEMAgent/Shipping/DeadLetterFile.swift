import Foundation
import Logging

/// Events siemd refused on their own, appended as one JSON object per line with the answer:
/// `{"status": 400, "detail": "...", "event": {...}}`.
struct DeadLetterFile: Sendable {
    let path: String

    func append(event: [UInt8], status: Int, detail: String, logger: Logger) {
        var line: [UInt8] = []
        line.append(contentsOf: #"{"status":\#(status),"detail":"#.utf8)
        EventEncoder.appendString(detail, to: &line)
        line.append(contentsOf: #","event":"#.utf8)
        line.append(contentsOf: event)
        line.append(contentsOf: "}\n".utf8)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            logger.error("cannot open the dead-letter file; event lost", metadata: ["file.path": "\(path)"])
            return
        }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        logger.error(
            "siemd rejected an event; written to the dead-letter file",
            metadata: [
                "http.status": "\(status)", "file.path": "\(path)", "detail": "\(detail)",
                "written": "\(written == line.count)",
            ])
    }
}
