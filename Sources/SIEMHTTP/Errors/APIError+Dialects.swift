import Hummingbird
import NIOCore
import SIEMCore

/// How an `APIError` reads in another protocol's error shape (`ErrorDialect`).
extension APIError {
    /// Elasticsearch's error body; `code` is its `type` when it is one (`…_exception`), else the
    /// type Elasticsearch gives that status.
    func elasticsearchResponse() -> Response {
        let type = code.hasSuffix("_exception") ? code : Self.elasticsearchType(status)
        var fields = headers
        fields[.xElasticProduct] = "Elasticsearch"
        return ElasticResponse.json(status: status, headers: fields) { body in
            body.elasticError(type: type, reason: detail, status: status.code)
        }
    }

    static func elasticsearchType(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 401, 403: "security_exception"
        case 404: "resource_not_found_exception"
        case 413: "content_too_long_exception"
        case 429: "es_rejected_execution_exception"
        case 503: "unavailable_shards_exception"
        case 500...: "exception"
        default: "illegal_argument_exception"
        }
    }

    /// HEC's `{"text", "code"}`: the reply a HEC route or the authentication chose, else the HEC
    /// code for the status with the detail as text (Splunk itself answers `code: 404` for an
    /// unknown path).
    func splunkResponse() -> Response {
        let reply = hecReply ?? HECReply(code: Self.splunkCode(status), text: detail)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: reply.json)))
    }

    static func splunkCode(_ status: HTTPResponse.Status) -> Int {
        switch status.code {
        case 400, 422: 6
        case 401: 2
        case 403: 4
        case 429, 503: 9
        case 500...: 8
        default: status.code
        }
    }

    /// OTLP/HTTP's `google.rpc.Status`: `{"code", "message"}` in JSON, or the same message encoded
    /// as protobuf (field 1 the code, field 2 the message) when the client sent protobuf.
    func otlpResponse(protobuf: Bool) -> Response {
        let code = Self.grpcCode(status)
        var fields = headers
        if protobuf {
            fields[.contentType] = "application/x-protobuf"
            var buffer = ByteBuffer()
            buffer.writeInteger(UInt8(0x08))
            Self.writeVarint(UInt64(code), to: &buffer)
            let message = Array(detail.utf8)
            buffer.writeInteger(UInt8(0x12))
            Self.writeVarint(UInt64(message.count), to: &buffer)
            buffer.writeBytes(message)
            return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
        }
        fields[.contentType] = "application/json"
        let text = JSONBody.text { body in
            body.object([("code", { $0.raw(String(code)) }), ("message", { $0.string(detail) })])
        }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The gRPC status code OTLP clients read for an HTTP status.
    static func grpcCode(_ status: HTTPResponse.Status) -> Int {
        switch status.code {
        case 400, 415, 422: 3  // INVALID_ARGUMENT
        case 401: 16  // UNAUTHENTICATED
        case 403: 7  // PERMISSION_DENIED
        case 404: 5  // NOT_FOUND
        case 405: 12  // gRPC status 12: the method is not supported
        case 409: 10  // ABORTED
        case 413, 429: 8  // RESOURCE_EXHAUSTED
        case 503: 14  // UNAVAILABLE
        case 500...: 13  // INTERNAL
        default: 2  // UNKNOWN
        }
    }

    static func writeVarint(_ value: UInt64, to buffer: inout ByteBuffer) {
        var value = value
        while value >= 0x80 {
            buffer.writeInteger(UInt8(value & 0x7F | 0x80))
            value >>= 7
        }
        buffer.writeInteger(UInt8(value))
    }
}
