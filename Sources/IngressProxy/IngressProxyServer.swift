import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import ServiceModel
import Synchronization

/// The Ingress proxy: listens for HTTP and HTTPS (HTTP/1.1, and HTTP/2 where the client
/// offers it), routes each request by the route table in force, and sends it to the
/// backend's endpoints. Tables are swapped whole (``update(_:)``); requests already routed
/// finish by the table they were routed by, and TLS handshakes pick the certificate from
/// the table in force.
public final class IngressProxyServer: Sendable {
    /// Where and how to serve.
    public struct Configuration: Sendable {
        /// The listeners' address, and their ports (0: any free port; no HTTPS port: no
        /// HTTPS listener).
        public var host = "0.0.0.0"
        public var httpPort = 80
        public var httpsPort: Int?
        /// The port `/metrics` and `/healthz` answer on (ingress-nginx's is 10254); `nil`:
        /// none (the metrics are still kept, ``IngressProxyServer/metrics``).
        public var metricsPort: Int?
        /// The certificate for names no Ingress `tls` entry covers when the table has no
        /// default of its own; `nil`: a self-signed one made at start.
        public var fallbackCertificate: TLSCertificate?
        public var limits = IngressProxyLimits()
        /// Event loops, one per core by default (nginx: `worker_processes auto`).
        public var threads = System.coreCount
        /// One log line per request, at info level.
        public var accessLog = true
        /// The controller labels of the request metrics.
        public var controller = IngressController()

        public init() {}
    }

    private let routes: RouteTableHolder
    private let loops: LoopStates
    private let group: MultiThreadedEventLoopGroup
    /// The HTTP and HTTPS listeners, then the metrics listener.
    private let channels: [any Channel]
    private let logger: Logger
    /// Set by the first ``stop()``: the event loops are gone after it.
    private let stopped = Atomic(false)
    private let quiesced = Atomic(false)
    /// The request metrics, under ingress-nginx's names.
    public let metrics: IngressMetrics

    /// The ports the listeners are bound to.
    public let httpPort: Int
    public let httpsPort: Int?
    public let metricsPort: Int?

    /// Binds the listeners and starts serving `table`.
    public static func start(_ table: IngressRouteTable, configuration: Configuration, logger: Logger) async throws
        -> IngressProxyServer {
        let routes = RouteTableHolder(table)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
        do {
            let loops = try await LoopStates.make(group, limits: configuration.limits, table: table)
            let accessLog = AccessLog(logger: logger, enabled: configuration.accessLog)
            let metrics = IngressMetrics(controller: configuration.controller)
            let http = ListenerContext(limits: configuration.limits, scheme: "http", logger: logger,
                                       accessLog: accessLog, metrics: metrics)
            var channels = [try await bind(configuration.host, configuration.httpPort, group: group) { channel in
                try loops.state(of: channel.eventLoop).value.track(channel)
                try configureHTTP1(channel, listener: http, loops: loops)
            }]
            let httpPort = channels[0].localAddress?.port ?? configuration.httpPort
            logger.info("serving HTTP on \(configuration.host):\(httpPort) with \(configuration.threads) event loops")
            var httpsPort: Int?
            if let port = configuration.httpsPort {
                let fallback = try configuration.fallbackCertificate
                    ?? TLSCertificate.selfSigned(commonName: "Kubernetes Ingress Controller Fake Certificate",
                                                 dnsNames: ["ingress.local"])
                let context = try NIOSSLContext(configuration: tlsConfiguration(fallback, routes: routes))
                let https = ListenerContext(limits: configuration.limits, scheme: "https", logger: logger,
                                            accessLog: accessLog, metrics: metrics)
                channels.append(try await bind(configuration.host, port, group: group) { channel in
                    try loops.state(of: channel.eventLoop).value.track(channel, handshaking: true)
                    try configureHTTPS(channel, context: context, listener: https, loops: loops)
                })
                httpsPort = channels.last?.localAddress?.port ?? port
                logger.info("serving HTTPS (HTTP/2 and HTTP/1.1) on \(configuration.host):\(httpsPort ?? port)")
            }
            var metricsPort: Int?
            if let port = configuration.metricsPort {
                let channel = try await bind(configuration.host, port, group: group) { channel in
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(metrics: metrics))
                }
                channels.append(channel)
                metricsPort = channel.localAddress?.port ?? port
                logger.info("serving /metrics on \(configuration.host):\(metricsPort ?? port)")
            }
            return IngressProxyServer(routes: routes, loops: loops, group: group, channels: channels, metrics: metrics,
                                      ports: (httpPort, httpsPort, metricsPort), logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private init(routes: RouteTableHolder, loops: LoopStates, group: MultiThreadedEventLoopGroup, channels: [any Channel], metrics: IngressMetrics,
                 ports: (http: Int, https: Int?, metrics: Int?), logger: Logger) {
        self.routes = routes
        self.loops = loops
        self.group = group
        self.channels = channels
        self.metrics = metrics
        (httpPort, httpsPort, metricsPort) = ports
        self.logger = logger
    }

    /// The table requests are routed by from now on: once this returns, every event loop
    /// routes new requests by it, and new TLS handshakes choose certificates from it.
    public func update(_ table: IngressRouteTable) async {
        routes.replace(with: table)
        await loops.install(table)
    }

    /// The table in force.
    public var table: IngressRouteTable { routes.current }

    /// Ends serving as ingress-nginx does on SIGTERM: stops accepting connections, lets the
    /// requests in flight finish (a kept-alive connection closes after its response, an idle
    /// one at once, an HTTP/2 one after GOAWAY and its open streams), waits up to `timeout`
    /// for all to be done, then closes what is left. Returns how many client connections
    /// were still open at the deadline and were cut.
    public func shutdown(timeout: Duration) async -> Int {
        let listeners = metricsPort == nil ? channels : channels.dropLast()
        for listener in listeners { try? await listener.close() }
        await loops.quiesce()
        quiesced.store(true, ordering: .releasing)
        let deadline = ContinuousClock.now + timeout
        var open = await loops.clientCount()
        while open > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            open = await loops.clientCount()
        }
        if open > 0 { logger.warning("shutdown: \(open) connections still busy after \(timeout); closing them") }
        await stop()
        return open
    }

    /// How many client connections are open (accepted and not yet closed), over all loops.
    func clientConnections() async -> Int {
        await loops.clientCount()
    }

    /// Whether a ``shutdown(timeout:)`` has closed the listeners and asked every connection
    /// to finish.
    public var isShuttingDown: Bool { quiesced.load(ordering: .acquiring) }

    /// Stops listening and closes every connection at once (once; later calls do nothing).
    public func stop() async {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for channel in channels { try? await channel.close() }
        try? await group.shutdownGracefully()
    }

    // MARK: - Listeners

    private static func bind(_ host: String, _ port: Int, group: MultiThreadedEventLoopGroup,
                             _ configure: @escaping @Sendable (any Channel) throws -> Void) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try configure(channel) }
            }
            .bind(host: host, port: port).get()
    }

    /// An HTTP/1.1 connection: NIO's server codec, kept for a WebSocket upgrade to take
    /// out, then the proxy.
    private static func configureHTTP1(_ channel: any Channel, listener: ListenerContext, loops: LoopStates) throws {
        let pipeline = channel.pipeline.syncOperations
        let http1 = HTTP1ServerHandlers()
        try http1.add(to: pipeline)
        try pipeline.addHandler(IngressRequestHandler(listener: listener, loop: try loops.state(of: channel.eventLoop).value,
                                                      http1: http1))
    }

    /// A TLS connection: the handshake (certificate by SNI), then HTTP/2 or HTTP/1.1 as ALPN
    /// settled; each HTTP/2 stream gets the proxy through an HTTP/1-style codec, and an
    /// HTTP/1.1 connection's small writes go to TLS joined (``TLSWriteCoalescer``).
    private static func configureHTTPS(_ channel: any Channel, context: NIOSSLContext, listener: ListenerContext,
                                       loops: LoopStates) throws {
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        let loop = try loops.state(of: channel.eventLoop)
        _ = channel.configureHTTP2SecureUpgrade(
            h2ChannelConfigurator: { channel in
                loop.value.serving(channel)
                return channel.configureHTTP2Pipeline(mode: .server) { stream in
                    stream.eventLoop.makeCompletedFuture {
                        try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                        try stream.pipeline.syncOperations.addHandler(IngressRequestHandler(listener: listener, loop: loop.value,
                                                                                            http1: nil))
                    }
                }.flatMapThrowing { _ in
                    try channel.pipeline.syncOperations.addHandler(HTTP2Quiescer())
                }
            },
            http1ChannelConfigurator: { channel in
                loop.value.serving(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSWriteCoalescer())
                    try configureHTTP1(channel, listener: listener, loops: loops)
                }
            })
    }

    /// TLS 1.2 and 1.3 with the fallback certificate, overridden per handshake by the
    /// certificate the table in force has for the name the client asked for.
    private static func tlsConfiguration(_ fallback: TLSCertificate, routes: RouteTableHolder) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: fallback.chain.map { .certificate($0) }, privateKey: .privateKey(fallback.privateKey))
        configuration.applicationProtocols = ["h2", "http/1.1"]
        configuration.sslContextCallback = { values, promise in
            guard let chosen = routes.current.certificates.certificate(for: values.serverHostname) else {
                promise.succeed(.noChanges)
                return
            }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = chosen.chain.map { .certificate($0) }
            override.privateKey = .privateKey(chosen.privateKey)
            promise.succeed(override)
        }
        return configuration
    }
}
