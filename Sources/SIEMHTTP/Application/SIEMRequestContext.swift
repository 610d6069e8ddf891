import Hummingbird
import NIOCore
import SIEMCore

/// A request context that carries who made the request, once authentication has said.
public protocol IdentityRequestContext: RequestContext {
    /// The authenticated identity; nil on exempt paths and without authentication.
    var identity: Identity? { get set }
}

/// The request context of every siemd route: the core storage plus the peer address
/// (for rate limiting and audit).
public struct SIEMRequestContext: IdentityRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
