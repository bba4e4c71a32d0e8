import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceModel

/// The Ingress proxy: listens for HTTP, routes each request by the route table in force,
/// and sends it to the backend's endpoints. Tables are swapped whole (``update(_:)``);
/// requests already routed finish by the table they were routed by.
public final class IngressProxyServer: Sendable {
    /// Where and how to serve.
    public struct Configuration: Sendable {
        /// The HTTP listener's address and port (0: any free port).
        public var httpHost = "0.0.0.0"
        public var httpPort = 80
        public var limits = IngressProxyLimits()
        /// Event loops, one per core by default (nginx: `worker_processes auto`).
        public var threads = System.coreCount
        /// One log line per request, at info level.
        public var accessLog = true

        public init() {}
    }

    private let routes: RouteTableHolder
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let logger: Logger

    /// The port the HTTP listener is bound to.
    public let httpPort: Int

    /// Binds the listener and starts serving `table`.
    public static func start(_ table: IngressRouteTable, configuration: Configuration, logger: Logger) async throws
        -> IngressProxyServer {
        let routes = RouteTableHolder(table)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
        var loops: [ObjectIdentifier: NIOLoopBound<LoopState>] = [:]
        for loop in group.makeIterator() {
            // Made on its loop: a loop's state is only ever touched there.
            loops[ObjectIdentifier(loop)] = try await loop.submit {
                NIOLoopBound(LoopState(eventLoop: loop, limits: configuration.limits), eventLoop: loop)
            }.get()
        }
        let loopStates = loops
        do {
            let listener = ListenerContext(routes: routes, limits: configuration.limits, scheme: "http", logger: logger,
                                            accessLog: AccessLog(logger: logger, enabled: configuration.accessLog))
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        guard let loop = loopStates[ObjectIdentifier(channel.eventLoop)] else {
                            throw ChannelError.inappropriateOperationForState
                        }
                        let idle = IdleStateHandler(allTimeout: TimeAmount(configuration.limits.clientIdleTimeout))
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(idle)
                        try channel.pipeline.syncOperations.addHandler(IngressRequestHandler(listener: listener, loop: loop.value))
                    }
                }
                .bind(host: configuration.httpHost, port: configuration.httpPort).get()
            let port = channel.localAddress?.port ?? configuration.httpPort
            logger.info("serving HTTP on \(configuration.httpHost):\(port) with \(configuration.threads) event loops")
            return IngressProxyServer(routes: routes, group: group, channel: channel, httpPort: port, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private init(routes: RouteTableHolder, group: MultiThreadedEventLoopGroup, channel: any Channel, httpPort: Int, logger: Logger) {
        self.routes = routes
        self.group = group
        self.channel = channel
        self.httpPort = httpPort
        self.logger = logger
    }

    /// The table requests are routed by from now on.
    public func update(_ table: IngressRouteTable) {
        routes.replace(with: table)
    }

    /// The table in force.
    public var table: IngressRouteTable { routes.current }

    /// Stops listening and closes every connection.
    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}
