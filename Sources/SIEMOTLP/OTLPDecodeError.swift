/// Why an OTLP export request was refused. Decoding is all-or-nothing: nothing of a refused
/// request is stored. Every case is a client error (HTTP 400).
public enum OTLPDecodeError: Error, Sendable, Equatable {
    /// The body cannot be read in its encoding: truncated or invalid protobuf, invalid JSON.
    case malformed(String)
    /// The body reads, but is not an `ExportLogsServiceRequest` of the OTLP shape.
    case invalid(String)
    /// The request carries more log records than one request may.
    case tooManyRecords(limit: Int)

    /// A sentence for the client that names what is wrong.
    public var detail: String {
        switch self {
        case .malformed(let detail), .invalid(let detail): detail
        case .tooManyRecords(let limit): "a request may carry at most \(limit) log records"
        }
    }
}
