import Foundation

/// The two encodings of OTLP/HTTP: binary protobuf and the spec's JSON mapping of it.
public enum OTLPEncoding: Sendable, Hashable {
    case protobuf
    case json

    /// The encoding a `content-type` names (parameters such as `charset` are ignored), or nil.
    public init?(contentType: String) {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        switch mediaType.trimmingCharacters(in: .whitespaces).lowercased() {
        case "application/x-protobuf", "application/protobuf": self = .protobuf
        case "application/json": self = .json
        default: return nil
        }
    }

    /// The `content-type` of a response in this encoding.
    public var contentType: String {
        switch self {
        case .protobuf: "application/x-protobuf"
        case .json: "application/json"
        }
    }
}
