/// Why a client's ingest body was refused. Nothing of a refused body is stored.
public enum IngestError: Error, Sendable, Equatable {
    /// The body is not JSON / NDJSON at all (HTTP 400).
    case malformed(String)
    /// The body is JSON but an event in it is not valid (HTTP 422).
    case invalid(String)

    public var detail: String {
        switch self {
        case .malformed(let detail), .invalid(let detail): detail
        }
    }
}
