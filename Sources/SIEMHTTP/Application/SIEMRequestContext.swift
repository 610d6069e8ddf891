import Hummingbird
import NIOCore

/// The request context of every siemd route: the core storage plus the peer address
/// (for rate limiting and audit).
public struct SIEMRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
