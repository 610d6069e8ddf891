import CZlib
import Foundation
import Hummingbird
import NIOCore

/// Collects a request body, refusing (413) a declared or streamed size above `limit` without
/// buffering more than `limit` bytes. A gzip or deflate body (`Content-Encoding`) is inflated, and
/// `limit` applies to it inflated too; another encoding is refused (415).
func collectBody(_ request: Request, limit: Int) async throws -> Data {
    let encoding = try BodyInflater.encoding(request.headers[.contentEncoding])
    if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
        throw APIError.tooLarge(limit)
    }
    let data: Data
    do {
        let buffer = try await request.body.collect(upTo: limit)
        data = Data(buffer.readableBytesView)
    } catch is NIOTooManyBytesError {
        throw APIError.tooLarge(limit)
    }
    guard let encoding else { return data }
    do {
        return try BodyInflater.inflate(data, limit: limit)
    } catch .tooLarge {
        throw APIError.tooLarge(limit)
    } catch .invalid(let reason) {
        throw APIError.badRequest("the body is sent as \(encoding) but cannot be inflated: \(reason)")
    }
}

/// Inflates a request body sent with `Content-Encoding: gzip` or `deflate` (the OpenTelemetry
/// Collector, Beats and Logstash compress by default), refusing one that is larger than `limit`
/// once inflated (a small zip bomb is refused without being inflated past the limit) or that is
/// not what its encoding says.
enum BodyInflater {
    enum Failure: Error, Equatable {
        case tooLarge
        case invalid(String)
    }

    /// The encodings a body may have: nil for none, else `gzip` or `deflate`; throws for others.
    static func encoding(_ header: String?) throws(APIError) -> String? {
        guard let header else { return nil }
        let coding = header.trimmingCharacters(in: .whitespaces).lowercased()
        switch coding {
        case "", "identity": return nil
        case "gzip", "x-gzip", "deflate": return coding == "x-gzip" ? "gzip" : coding
        default:
            throw APIError(
                .unsupportedMediaType, "unsupported_media_type",
                "content-encoding \(coding.prefix(40)) is not supported; send the body as is, gzip or deflate")
        }
    }

    /// The inflated bytes of `compressed` (gzip, or zlib-wrapped deflate; raw deflate as some
    /// clients send it is accepted too).
    static func inflate(_ compressed: Data, limit: Int) throws(Failure) -> Data {
        // 15 + 32: zlib or gzip, detected from the header; raw deflate (-15) when that fails.
        do {
            return try inflate(compressed, limit: limit, windowBits: 15 + 32)
        } catch .invalid(let reason) {
            guard let raw = try? inflate(compressed, limit: limit, windowBits: -15) else { throw .invalid(reason) }
            return raw
        }
    }

    private static func inflate(_ compressed: Data, limit: Int, windowBits: Int32) throws(Failure) -> Data {
        var stream = z_stream()
        guard czlib_inflate_init(&stream, windowBits) == Z_OK else { throw .invalid("cannot start inflating") }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var input = [UInt8](compressed)
        let status: Int32 = input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            while true {
                let (code, produced) = chunk.withUnsafeMutableBufferPointer { target -> (Int32, Int) in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    let code = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (code, target.count - Int(stream.avail_out))
                }
                if output.count + produced > limit { return Z_MEM_ERROR }
                output.append(contentsOf: chunk[0..<produced])
                switch code {
                case Z_STREAM_END: return stream.avail_in == 0 ? Z_STREAM_END : Z_DATA_ERROR
                case Z_OK: continue
                case Z_BUF_ERROR: return stream.avail_in == 0 ? Z_BUF_ERROR : Z_DATA_ERROR
                default: return code
                }
            }
        }
        switch status {
        case Z_STREAM_END: return output
        case Z_MEM_ERROR: throw .tooLarge
        case Z_BUF_ERROR: throw .invalid("the compressed body ends before its end")
        default: throw .invalid("the body is not valid compressed data")
        }
    }
}
