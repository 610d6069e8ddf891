import Foundation

/// A file as the kernel names it: device and inode. Renames keep it; a new file gets a new one,
/// except when the kernel reuses a freed inode, which the fingerprint catches.
struct FileIdentity: Hashable, Codable, Sendable, CustomStringConvertible {
    var device: UInt64
    var inode: UInt64

    init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    init(_ status: stat) {
        self.init(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    var description: String { "\(device):\(inode)" }
}

/// FNV-1a of a file's first bytes (up to `Fingerprint.targetLength`), with how many it covers.
/// Two files with the same identity but different fingerprints are different files.
struct Fingerprint: Codable, Equatable, Sendable {
    static let targetLength = 256

    var length: Int
    var hash: UInt64

    init(length: Int, hash: UInt64) {
        self.length = length
        self.hash = hash
    }

    // The hash is kept as hex text: JSON numbers above 2^53 do not survive every reader.
    enum CodingKeys: String, CodingKey { case length, hash }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        length = try container.decode(Int.self, forKey: .length)
        let text = try container.decode(String.self, forKey: .hash)
        guard let value = UInt64(text, radix: 16) else {
            throw DecodingError.dataCorruptedError(forKey: .hash, in: container, debugDescription: "not a hex hash")
        }
        hash = value
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(length, forKey: .length)
        try container.encode(String(hash, radix: 16), forKey: .hash)
    }

    static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        return value
    }

    /// Reads the fingerprint of the open file `fd`, covering `length` bytes (or up to the target).
    static func read(fd: Int32, length: Int = targetLength) -> Fingerprint? {
        var buffer = [UInt8](repeating: 0, count: length)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, 0) }
        guard count >= 0 else { return nil }
        return Fingerprint(length: count, hash: hash(buffer[0..<count]))
    }

    /// Whether `fd` still starts with the bytes this fingerprint covers.
    func matches(fd: Int32) -> Bool {
        guard let current = Fingerprint.read(fd: fd, length: length) else { return false }
        return current == self
    }
}
