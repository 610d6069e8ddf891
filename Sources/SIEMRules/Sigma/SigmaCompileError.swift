/// Why a Sigma rule cannot be compiled: becomes the reason of its `SkippedRule`.
public struct SigmaCompileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
