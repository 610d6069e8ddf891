import NIOCore

/// One syslog message as received, before any parsing.
struct SyslogMessage: Sendable {
    var bytes: ByteBuffer
    var peer: String
    var transport: String
    /// The message was longer than the limit and was cut.
    var truncated = false
}

/// Splits a TCP stream into syslog messages (RFC 6587). The first frame of a connection decides
/// its framing: octet counting (`LEN SP MSG`) when it starts with a digit followed by digits and a
/// space, else non-transparent framing (one message per line). A frame that does not fit the
/// connection's octet counting is read as a line: malformed input is forwarded, never dropped.
/// Messages over `maxMessageBytes` are cut and flagged; the rest of such a line is skipped.
struct SyslogFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = SyslogFrame

    struct SyslogFrame: Sendable {
        var bytes: ByteBuffer
        var truncated: Bool
    }

    enum Framing { case undecided, octetCounting, newline }

    let maxMessageBytes: Int
    private(set) var framing = Framing.undecided
    private var skippingLine = false

    init(maxMessageBytes: Int = 64 << 10) {
        self.maxMessageBytes = maxMessageBytes
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try nextFrame(&buffer, atEnd: false) else { return .needMoreData }
        if let frame { context.fireChannelRead(wrapInboundOut(frame)) }
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        guard let frame = try nextFrame(&buffer, atEnd: true) else { return .needMoreData }
        if let frame { context.fireChannelRead(wrapInboundOut(frame)) }
        return .continue
    }

    /// `nil`: more bytes are needed; `.some(nil)`: bytes were consumed without a message.
    mutating func nextFrame(_ buffer: inout ByteBuffer, atEnd: Bool) throws -> SyslogFrame?? {
        guard buffer.readableBytes > 0 else { return nil }
        let view = buffer.readableBytesView
        if skippingLine {
            guard let newline = view.firstIndex(of: 0x0A) else {
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                return .some(nil)
            }
            buffer.moveReaderIndex(to: newline + 1)
            skippingLine = false
            return .some(nil)
        }
        if framing == .undecided {
            switch octetCount(view) {
            case .needMore where !atEnd: return nil
            case .length: framing = .octetCounting
            default: framing = .newline
            }
        }
        if framing == .octetCounting {
            switch octetCount(view) {
            case .needMore where !atEnd: return nil
            case .length(let length, let header):
                guard view.count >= header + length else { return atEnd ? line(&buffer, atEnd: true) : nil }
                buffer.moveReaderIndex(forwardBy: header)
                let bytes = buffer.readSlice(length: length)!
                return .some(SyslogFrame(bytes: bytes, truncated: false))
            default: break
            }
        }
        return line(&buffer, atEnd: atEnd)
    }

    private enum OctetCount { case needMore, length(Int, header: Int), notCounted }

    /// Reads `LEN SP` at the start of `view`: at most 6 digits, not starting with 0, up to the limit.
    private func octetCount(_ view: ByteBufferView) -> OctetCount {
        var length = 0
        var digits = 0
        for byte in view {
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 6 {
                if digits == 0, byte == UInt8(ascii: "0") { return .notCounted }
                length = length * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            } else if byte == UInt8(ascii: " "), digits > 0 {
                return length <= maxMessageBytes ? .length(length, header: digits + 1) : .notCounted
            } else {
                return .notCounted
            }
        }
        return .needMore
    }

    /// One newline-terminated message (trailing CR and NUL removed); at the end of the stream the
    /// rest without newline is a message too.
    private mutating func line(_ buffer: inout ByteBuffer, atEnd: Bool) -> SyslogFrame?? {
        let view = buffer.readableBytesView
        let limit = min(view.count, maxMessageBytes + 1)
        if let newline = view.prefix(limit).firstIndex(of: 0x0A) {
            var bytes = buffer.readSlice(length: newline - view.startIndex)!
            buffer.moveReaderIndex(forwardBy: 1)
            Self.trimEnd(&bytes)
            return bytes.readableBytes == 0 ? .some(nil) : .some(SyslogFrame(bytes: bytes, truncated: false))
        }
        if view.count > maxMessageBytes {
            let bytes = buffer.readSlice(length: maxMessageBytes)!
            skippingLine = true
            return .some(SyslogFrame(bytes: bytes, truncated: true))
        }
        guard atEnd else { return nil }
        var bytes = buffer.readSlice(length: view.count)!
        Self.trimEnd(&bytes)
        return bytes.readableBytes == 0 ? .some(nil) : .some(SyslogFrame(bytes: bytes, truncated: false))
    }

    static func trimEnd(_ bytes: inout ByteBuffer) {
        while let last = bytes.readableBytesView.last, last == 0x0D || last == 0x0A || last == 0x00 {
            bytes.moveWriterIndex(to: bytes.writerIndex - 1)
        }
    }
}
