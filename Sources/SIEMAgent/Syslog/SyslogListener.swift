import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// UDP and TCP (optionally TLS) syslog on one port, feeding a `MessageQueue`.
struct SyslogListener {
    var host: String
    var port: Int
    var maxMessageBytes: Int
    var tls: NIOSSLContext?
    let queue: MessageQueue
    let counters: Counters
    let shutdown: ShutdownSignal
    let logger: Logger

    /// Binds TCP (port 0 picks a free one), then UDP on the same port; listens until shutdown.
    func run(ready: @Sendable (Int) -> Void) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let tls = self.tls
        let maxMessageBytes = self.maxMessageBytes
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(SyslogFrameDecoder(maxMessageBytes: maxMessageBytes)))
                    // The peer is read now: once the sender closed, the channel no longer knows it.
                    let peer = channel.remoteAddress?.ipAddress ?? "unknown"
                    return (
                        peer,
                        try NIOAsyncChannel<SyslogFrameDecoder.SyslogFrame, Never>(
                            wrappingChannelSynchronously: channel)
                    )
                }
            }
        let boundPort = server.channel.localAddress?.port ?? port
        let udp = try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536 + 512))
            .channelInitializer { [queue, counters] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        DatagramHandler(queue: queue, counters: counters, maxMessageBytes: maxMessageBytes))
                }
            }
            .bind(host: host, port: boundPort).get()
        logger.info(
            "listening for syslog",
            metadata: [
                "syslog.host": "\(host)", "syslog.port": "\(boundPort)", "syslog.tls": "\(tls != nil)",
            ])
        ready(boundPort)

        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                await shutdown.sleep(.seconds(365 * 86_400))
                udp.close(promise: nil)
                server.channel.close(promise: nil)
            }
            try await server.executeThenClose { connections in
                for try await (peer, connection) in connections {
                    group.addTask { await receive(connection, peer: peer) }
                }
            }
            try? await udp.closeFuture.get()
            // Open connections end too: cancelling their loops closes them.
            group.cancelAll()
        }
    }

    private func receive(_ connection: NIOAsyncChannel<SyslogFrameDecoder.SyslogFrame, Never>, peer: String) async {
        let transport = tls == nil ? "tcp" : "tls"
        do {
            try await connection.executeThenClose { inbound, _ in
                for try await frame in inbound {
                    counters.add { $0.received += 1 }
                    let message = SyslogMessage(
                        bytes: frame.bytes, peer: peer, transport: transport, truncated: frame.truncated)
                    // A full queue stops this loop, so NIO stops reading the socket: the sender waits.
                    while !queue.offer(message) {
                        if shutdown.drainExpired { return }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
            }
        } catch {
            logger.debug("syslog connection ended", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }
}

/// Receives datagrams: one message each, dropped (and counted) when the queue is full.
final class DatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let queue: MessageQueue
    let counters: Counters
    let maxMessageBytes: Int

    init(queue: MessageQueue, counters: Counters, maxMessageBytes: Int) {
        self.queue = queue
        self.counters = counters
        self.maxMessageBytes = maxMessageBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var bytes = envelope.data
        SyslogFrameDecoder.trimEnd(&bytes)
        let truncated = bytes.readableBytes > maxMessageBytes
        if truncated { bytes = bytes.getSlice(at: bytes.readerIndex, length: maxMessageBytes)! }
        let message = SyslogMessage(
            bytes: bytes, peer: envelope.remoteAddress.ipAddress ?? "unknown", transport: "udp", truncated: truncated)
        counters.add { $0.received += 1 }
        if !queue.offer(message) { counters.add { $0.dropped += 1 } }
    }
}
