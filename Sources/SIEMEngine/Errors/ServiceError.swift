/// Why a service refused a request, in words a client may read. The HTTP layer maps each case to
/// its status; `code` is the short machine-readable name (`unknown_agent`), `detail` the sentence.
/// Invalid values are `SIEMCore.InvalidInput` (422).
public enum ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was asked for does not exist (404).
    case notFound(code: String, detail: String)
    /// The request conflicts with the current state (409).
    case conflict(code: String, detail: String)
    /// The caller did not prove who it is (401).
    case unauthorized(code: String, detail: String)
    /// The caller is known but not allowed to do this (403).
    case forbidden(code: String, detail: String)

    /// A missing record, with the generic `not_found` code.
    public static func notFound(_ detail: String) -> ServiceError { .notFound(code: "not_found", detail: detail) }

    public var code: String {
        switch self {
        case .notFound(let code, _), .conflict(let code, _), .unauthorized(let code, _), .forbidden(let code, _): code
        }
    }

    public var detail: String {
        switch self {
        case .notFound(_, let detail), .conflict(_, let detail), .unauthorized(_, let detail),
            .forbidden(_, let detail):
            detail
        }
    }

    public var description: String { "\(code): \(detail)" }
}
