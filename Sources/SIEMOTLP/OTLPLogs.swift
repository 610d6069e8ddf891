import Foundation
import SIEMCore
import SwiftProtobuf

/// Decodes OTLP/HTTP logs export requests (`POST /v1/logs`) into events: one event per
/// `LogRecord`, with the resource and record attributes as flat `fields`.
///
/// Pure: no I/O. Decoding is all-or-nothing; the error names what is wrong.
public enum OTLPLogs {
    /// The events of an `ExportLogsServiceRequest` in `encoding`.
    public static func decode(
        _ body: Data, encoding: OTLPEncoding, receivedAt: Date, maxEvents: Int
    ) throws(OTLPDecodeError) -> [Event] {
        switch encoding {
        case .protobuf: try decode(protobuf: body, receivedAt: receivedAt, maxEvents: maxEvents)
        case .json: try decode(json: body, receivedAt: receivedAt, maxEvents: maxEvents)
        }
    }

    /// The events of a binary protobuf `ExportLogsServiceRequest`. An empty body is a valid
    /// request without records.
    public static func decode(protobuf body: Data, receivedAt: Date, maxEvents: Int) throws(OTLPDecodeError)
        -> [Event]
    {
        let request = try request(protobuf: body)
        return try LogRecordMapper(receivedAt: receivedAt).events(request, maxEvents: maxEvents)
    }

    /// The events of an `ExportLogsServiceRequest` in the OTLP/JSON encoding: lowerCamelCase keys
    /// (the proto names are accepted too), hex trace and span ids, 64-bit integers as numbers or
    /// decimal strings, enums as numbers or names; unknown keys are ignored.
    public static func decode(json body: Data, receivedAt: Date, maxEvents: Int) throws(OTLPDecodeError)
        -> [Event]
    {
        let request = try JSONRequestReader.request(body, maxRecords: maxEvents)
        return try LogRecordMapper(receivedAt: receivedAt).events(request, maxEvents: maxEvents)
    }

    /// The body of a successful answer: an empty `ExportLogsServiceResponse` (no partial success).
    public static func successResponse(_ encoding: OTLPEncoding) -> Data {
        switch encoding {
        // An empty message serializes to no bytes at all.
        case .protobuf: (try? Proto.ExportResponse().serializedData()) ?? Data()
        case .json: Data("{}".utf8)
        }
    }

    static func request(protobuf body: Data) throws(OTLPDecodeError) -> Proto.ExportRequest {
        let request: Proto.ExportRequest
        do {
            request = try Proto.ExportRequest(serializedBytes: body)
        } catch {
            throw .malformed(describe(error, body: body))
        }
        // Field 1 is the request's only field: a body that decodes to nothing but unknown fields
        // (random bytes often do) is some other message, or no message at all.
        if request.resourceLogs.isEmpty, !request.unknownFields.data.isEmpty {
            throw .invalid(
                "the body is not an OTLP ExportLogsServiceRequest (it has no resource_logs, only unknown fields)")
        }
        return request
    }

    private static func describe(_ error: any Error, body: Data) -> String {
        var detail: String
        switch error as? BinaryDecodingError {
        case .truncated?: detail = "the protobuf body is truncated"
        case .invalidUTF8?: detail = "the protobuf body has a string that is not valid UTF-8"
        case .messageDepthLimit?: detail = "the protobuf body nests values too deeply"
        default: detail = "the body is not a valid protobuf ExportLogsServiceRequest"
        }
        if body.first == UInt8(ascii: "{") {
            detail += "; for OTLP/JSON send content-type: application/json"
        }
        return detail
    }
}
