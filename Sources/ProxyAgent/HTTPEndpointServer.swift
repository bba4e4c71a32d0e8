import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceModel
import Synchronization

/// A small HTTP/1.1 server on one address whose every answer comes from `answer(path)`:
/// the agent's healthz, metrics and health-check node port listeners.
public final class HTTPEndpointServer: Sendable {
    public let address: BindAddress
    private let channel: any Channel
    private let connections: OpenConnections

    /// The port it listens on (the bound one, when asked for port 0).
    public var port: Int { channel.localAddress?.port ?? address.port }

    /// Binds `address` and starts answering.
    public static func start(_ address: BindAddress, answer: @escaping @Sendable (String) -> HTTPReply) async throws -> HTTPEndpointServer {
        let connections = OpenConnections()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(EndpointHandler(answer: answer))
                }
            }
            .bind(host: address.host.description, port: address.port).get()
        return HTTPEndpointServer(address: address, channel: channel, connections: connections)
    }

    private init(address: BindAddress, channel: any Channel, connections: OpenConnections) {
        self.address = address
        self.channel = channel
        self.connections = connections
    }

    /// Stops listening and closes every open connection, kept-alive ones too: a port that
    /// is closed answers nobody.
    public func stop() async {
        try? await channel.close()
        await connections.closeAll()
    }
}

/// The connections a server accepted and that are still open.
private final class OpenConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in channels.withLock { _ = $0.removeValue(forKey: id) } }
    }

    func closeAll() async {
        for channel in channels.withLock({ Array($0.values) }) { try? await channel.close() }
    }
}

/// Answers each request on a connection from the server's function.
private final class EndpointHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let answer: @Sendable (String) -> HTTPReply
    private var head: HTTPRequestHead?

    init(answer: @escaping @Sendable (String) -> HTTPReply) {
        self.answer = answer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            let reply = answer(path)
            var headers = HTTPHeaders(reply.headers)
            headers.add(name: "Content-Length", value: String(reply.body.count))
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .init(statusCode: reply.status),
                                                                 headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: reply.body)))), promise: nil)
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
            if !head.isKeepAlive {
                let channel = context.channel
                written.futureResult.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
