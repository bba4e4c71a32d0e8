import NIOCore
import NIOPosix
import Synchronization

/// The floor under any HTTP proxy built on SwiftNIO, measured beside ours: a relay that
/// copies bytes between each client connection and a connection of its own to an
/// endpoint (taken in turn), with no HTTP in it at all: one handler a connection, what is
/// read written to the other side and flushed when the read is done, as our proxy writes.
///
/// Requests on one client connection all go to its endpoint connection, so it serves the
/// same keep-alive traffic as the proxies, less everything that makes a proxy: parsing,
/// routing, pooling, headers, logs, metrics.
final class ByteRelay: Sendable {
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// Listens on loopback `port`, relaying to the endpoints on loopback `endpointPorts`.
    init(port: Int, endpointPorts: [Int], threads: Int) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let turns = Turns()
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    let endpoint = endpointPorts[turns.next() % endpointPorts.count]
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RelayEnd(connectingTo: endpoint))
                    }
                }
                .bind(host: "127.0.0.1", port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        self.group = group
        self.port = port
    }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Whose turn it is, counted across the event loops.
    private final class Turns: Sendable {
        private let count = Atomic<Int>(0)

        func next() -> Int { count.add(1, ordering: .relaxed).newValue }
    }
}

/// One side of a relayed pair: what it reads its partner writes. The client's side
/// connects to the endpoint when it becomes active, holding what it reads until then.
private final class RelayEnd: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let endpointPort: Int?
    private var partner: (any Channel)?
    private var held: [ByteBuffer] = []

    /// The client's side, which opens the endpoint's.
    init(connectingTo endpointPort: Int) {
        self.endpointPort = endpointPort
    }

    /// The endpoint's side.
    init(partner: any Channel) {
        endpointPort = nil
        self.partner = partner
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        guard let endpointPort else { return }
        let client = context.channel
        let me = NIOLoopBound(self, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RelayEnd(partner: client))
                }
            }
            .connect(host: "127.0.0.1", port: endpointPort)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let endpoint):
                    me.value.partner = endpoint
                    for buffer in me.value.held { endpoint.write(buffer, promise: nil) }
                    me.value.held = []
                    endpoint.flush()
                case .failure:
                    client.close(promise: nil)
                }
            }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let partner else { return held.append(unwrapInboundIn(data)) }
        partner.pipeline.syncOperations.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.pipeline.syncOperations.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.close(promise: nil)
        partner = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
