import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// siemd's HTTP/1 connections: Hummingbird's pipeline plus a guard that closes connections which
/// hold a descriptor without using it, and a rewrite of absolute-form request targets.
///
/// - A connection with no request in progress is closed after `idleTimeout` (keep-alive idle,
///   or connected and silent).
/// - A request whose head (request line and headers) is not complete `headTimeout` after its
///   first byte is closed: slowloris clients trickle a head forever.
/// - `GET http://host/path` (absolute form) is served as `/path` with `host` as its Host, as RFC
///   9112 §3.2.2 requires, so the trusted-host check sees the host the client named (Hummingbird's
///   conversion would keep the Host header and drop the target's authority).
struct GuardedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let idleTimeout: TimeAmount
    let headTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let timer = ConnectionTimer(idleTimeout: idleTimeout, headTimeout: headTimeout)
            try channel.pipeline.syncOperations.addHandler(RequestBytesObserver(timer: timer))
            // As Hummingbird's HTTP1Channel sets it up, with its default decoder limits.
            let decoder = HTTP1Channel.Configuration().httpDecoder
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = decoder.maxHeaderFieldSize
            limits.maxHeaderListSize = decoder.maxHeaderListSize
            limits.maxHeaderFieldCount = decoder.maxHeaderFieldCount
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                withPipeliningAssistance: false,  // HTTP is pipelined by NIOAsyncChannel
                withErrorHandling: false,  // the application handles errors
                withOutboundHeaderValidation: false,  // Swift HTTP Types validate headers
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: limits
            )
            try channel.pipeline.syncOperations.addHandler(RequestHeadObserver(timer: timer))
            try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            // Closes idle connections when the server shuts down (our timer does the idle timeout).
            try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}

/// Where a connection is between requests, and the one deadline that applies there. Shared by the
/// two observers of one channel; used only on its event loop.
final class ConnectionTimer {
    enum State {
        /// No request in progress: the idle deadline runs.
        case idle
        /// A request's first bytes came; its head must complete before the head deadline.
        case readingHead
        /// A request is being served; no deadline (a long search or a large upload is fine).
        case busy
    }

    let idleTimeout: TimeAmount
    let headTimeout: TimeAmount
    private(set) var state = State.idle
    /// Requests whose head came and whose response has not ended (more than one when pipelined).
    private var inFlight = 0
    /// When the connection is closed unless its state changes first; nil while busy.
    private var due: NIODeadline?
    /// One repeated check per connection compares `due` with the clock, so a request costs no
    /// timer of its own; a deadline is kept within one check interval (the shorter timeout).
    private var check: RepeatedTask?

    init(idleTimeout: TimeAmount, headTimeout: TimeAmount) {
        self.idleTimeout = idleTimeout
        self.headTimeout = headTimeout
    }

    func becameIdle(_ context: ChannelHandlerContext) {
        state = .idle
        arm(idleTimeout, context)
    }

    /// A response ended: idle again unless a pipelined request is still waiting for its answer.
    func responseEnded(_ context: ChannelHandlerContext) {
        inFlight = max(0, inFlight - 1)
        if inFlight == 0 { becameIdle(context) }
    }

    func bytesArrived(_ context: ChannelHandlerContext) {
        guard state == .idle else { return }
        state = .readingHead
        arm(headTimeout, context)
    }

    func headCompleted() {
        inFlight += 1
        state = .busy
        due = nil
    }

    func stop() {
        check?.cancel()
        check = nil
        due = nil
    }

    private func arm(_ delay: TimeAmount, _ context: ChannelHandlerContext) {
        due = .now() + delay
        guard check == nil else { return }
        let interval = min(idleTimeout, headTimeout)
        let channel = context.channel
        // The check runs on this channel's event loop, where the timer lives; `stop()` (channel
        // inactive or handler removed) cancels it, which also ends the reference it holds.
        let timer = NIOLoopBound(self, eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { task in
            if let due = timer.value.due, due <= .now() {
                task.cancel()
                channel.close(promise: nil)
            }
        }
    }
}

/// First in the pipeline: sees the raw bytes, so a request is known to have started before its
/// head is complete.
final class RequestBytesObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let timer: ConnectionTimer

    init(timer: ConnectionTimer) {
        self.timer = timer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { timer.becameIdle(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        timer.becameIdle(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer.stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer.stop()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        timer.bytesArrived(context)
        context.fireChannelRead(data)
    }
}

/// After the HTTP/1 decoder: a complete head stops the head deadline (and an absolute-form target
/// is rewritten); the end of a response starts the idle deadline.
final class RequestHeadObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let timer: ConnectionTimer

    init(timer: ConnectionTimer) {
        self.timer = timer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        timer.headCompleted()
        if !head.uri.hasPrefix("/"), head.uri != "*", let (path, authority) = Self.originForm(head.uri) {
            head.uri = path
            head.headers.replaceOrAdd(name: "Host", value: authority)
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { timer.responseEnded(context) }
        context.write(data, promise: promise)
    }

    /// `http://host:port/path?query` as (`/path?query`, `host:port`); nil for anything else.
    static func originForm(_ target: String) -> (path: String, authority: String)? {
        guard let schemeEnd = target.range(of: "://") else { return nil }
        let scheme = target[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = target[schemeEnd.upperBound...]
        let pathStart = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<pathStart]
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var path = String(rest[pathStart...])
        if !path.hasPrefix("/") { path = "/" + path }
        return (path, String(authority))
    }
}
