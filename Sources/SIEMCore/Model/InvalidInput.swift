/// A value a client sent that siemd cannot accept; `detail` names the field and is safe to show.
/// The HTTP layer answers it with 422.
public struct InvalidInput: Error, Sendable, Equatable, CustomStringConvertible {
    public var detail: String

    public init(_ detail: String) {
        self.detail = detail
    }

    public var description: String { detail }
}
