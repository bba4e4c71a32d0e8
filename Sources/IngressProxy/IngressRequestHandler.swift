import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceModel

/// The client's end of one connection: checks and routes each request, sends it to an
/// endpoint over a kept-alive connection of its loop, and streams the response back.
///
/// Bodies stream both ways without being held whole: a side reads on only while the
/// other side's socket takes more (reads held back here, released on writability).
/// An HTTP/1 client gets its response as bytes the proxy writes itself: the endpoint's
/// head less its hop-by-hop lines and the body as it came (no encoder of NIO's); an
/// HTTP/2 stream gets it as parts, for the HTTP/2 codec.
/// Requests follow one another on a connection: a request pipelined behind one still
/// being answered waits, with reading held back, until that answer is written.
final class IngressRequestHandler: ChannelDuplexHandler, RemovableChannelHandler, UpstreamOwner {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let listener: ListenerContext
    private let loop: LoopState
    /// The connection's HTTP/1.1 handlers (`nil` on an HTTP/2 stream), for a WebSocket
    /// upgrade to take out.
    private let http1: HTTP1ServerHandlers?
    private var context: ChannelHandlerContext?
    private var exchange: ProxyExchange?
    /// Set after the proxy answered a request itself: its body is read and dropped.
    private var discardingBody = false
    /// Set when the connection ends once the current response is written.
    private var closeAfterResponse = false
    private var pendingRead = false
    /// Set from a request's head until its response is written.
    private var responding = false
    /// The parts of requests pipelined behind the one being answered.
    private var queued: [HTTPServerRequestPart] = []
    private var clientAddress = "-"
    /// The keep-alive timeout of an HTTP/1.1 connection: nothing read and no response
    /// written for this long while no request is under way (nginx's `keepalive_timeout`).
    /// An HTTP/2 stream has none of its own.
    private let idleTimer: IdleTimer?
    /// The client and listener as the endpoint is told them (set when the handler is added).
    private var origin = ForwardedHeaders.Origin(clientAddress: "-", scheme: "http", port: "0")
    /// An HTTP/1 response head not yet written: held until the body's first piece, so that
    /// a small body goes out in the same write, or until the end of what was read.
    private var unwrittenHead: ByteBuffer?
    /// The most body bytes joined to the head in one write.
    private static let bodyBytesJoinedToHead = 4096

    init(listener: ListenerContext, loop: LoopState, http1: HTTP1ServerHandlers?) {
        self.listener = listener
        self.loop = loop
        self.http1 = http1
        idleTimer = http1 == nil ? nil : IdleTimer(timeout: listener.limits.clientIdleTimeout)
    }

    var canTakeResponse: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        clientAddress = context.channel.remoteAddress?.ipAddress ?? "-"
        origin = ForwardedHeaders.Origin(clientAddress: clientAddress, scheme: listener.scheme,
                                         port: String(context.channel.localAddress?.port ?? 0))
        if loop.quiescing { closeAfterResponse = true }
        if context.channel.isActive { startIdleTimer(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleTimer?.stop()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        startIdleTimer(context: context)
        context.fireChannelActive()
    }

    /// Closes the connection once it was idle (no request under way) for the timeout.
    private func startIdleTimer(context: ChannelHandlerContext) {
        idleTimer?.start(on: context.eventLoop) { [self] in
            if exchange == nil, !responding { context.close(promise: nil) }
        }
    }

    // MARK: - The client's side

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if responding, !queued.isEmpty || part.isHead {
            queued.append(part)
            return
        }
        handle(part, context: context)
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            begin(head, context: context)
        case .body(let buffer):
            if discardingBody { return }
            guard let exchange else { return }
            exchange.requestBodyBytes += buffer.readableBytes
            if let limit = listener.limits.maxBodyBytes, exchange.requestBodyBytes > limit {
                return abandon(exchange, replying: .payloadTooLarge)
            }
            forward(.body(buffer), of: exchange)
        case .end(let trailers):
            if discardingBody {
                discardingBody = false
                return
            }
            guard let exchange else { return }
            exchange.requestEnded = true
            forward(.end(trailers), of: exchange)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        idleTimer?.noteActivity()
        exchange?.connection?.flush()
        context.fireChannelReadComplete()
    }

    /// Reads on only while the endpoint's socket takes the request body, and not past a
    /// pipelined request.
    func read(context: ChannelHandlerContext) {
        if !queued.isEmpty {
            pendingRead = true
            return
        }
        if let exchange, !exchange.requestEnded, !(exchange.connection?.isWritable ?? false) {
            pendingRead = true
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { exchange?.connection?.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let exchange { release(exchange, reusable: false) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let exchange { release(exchange, reusable: false) }
        if error is HTTPParserError, http1 != nil, !responding {
            // A request the parser refused (a bad header line, headers over the limit):
            // 400, then the connection ends, as nginx answers one.
            listener.logger.debug("\(clientAddress): refused: \(error)")
            write(.badRequest, version: .http1_1, close: true, context: context)
            return
        }
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // The proxy is shutting down: this connection ends after the response in flight.
            closeAfterResponse = true
            if !responding { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Checks and routes a new request.
    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        responding = true
        let checked: RequestCheck.Checked
        switch RequestCheck.check(head, maxHeaderBytes: listener.limits.maxHeaderBytes) {
        case .success(let passed): checked = passed
        case .failure(let refusal):
            listener.logger.debug("\(clientAddress): refused: \(refusal)")
            return reply(.badRequest, to: head, close: true)
        }
        if let limit = listener.limits.maxBodyBytes, let length = head.headers.first(name: "content-length").flatMap(Int.init),
           length > limit {
            return reply(.payloadTooLarge, to: head, close: true)
        }
        let host = checked.host
        switch loop.table.decide(host: host, path: head.uri) {
        case .noRoute:
            reply(.notFound, to: head, close: !head.isKeepAlive)
        case .unavailable(let route, let reason):
            listener.logger.warning("\(head.method) \(host)\(head.uri) → \(route.ingress): \(reason)")
            reply(.serviceUnavailable, to: head, close: !head.isKeepAlive, route: route)
        case .forward(let route, let upstream):
            let exchange = ProxyExchange(head: head, headerBytes: checked.headerBytes, route: route, upstream: upstream,
                                         startedAt: .now())
            exchange.isWebSocket = http1 != nil && exchange.webSocketUpgrade != nil
            self.exchange = exchange
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                // Answered here, as nginx does: the body is read as soon as it comes.
                let interim = HTTPResponseHead(version: head.version, status: .continue)
                if http1 != nil {
                    var bytes = context.channel.allocator.buffer(capacity: 32)
                    ForwardedHeaders.writeHead(interim, into: &bytes)
                    context.writeAndFlush(NIOAny(bytes), promise: nil)
                } else {
                    context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
                }
            }
            connect(exchange)
        }
    }

    /// Sends a request part on, or keeps it until a connection is ready.
    private func forward(_ part: UpstreamRequestPart, of exchange: ProxyExchange) {
        guard let connection = exchange.connection else {
            exchange.buffered.append(part)
            return
        }
        exchange.keepForReplay(part)
        connection.send(part)
    }

    // MARK: - Connecting

    /// Takes the next endpoint's idle connection, or opens one.
    private func connect(_ exchange: ProxyExchange, fresh: Bool = false) {
        guard let context else { return }
        guard let address = fresh ? exchange.address : loop.balancer.pick(exchange.upstream, excluding: exchange.tried) else {
            return fail(exchange, status: exchange.lastFailure == .timedOut ? .gatewayTimeout : .badGateway)
        }
        exchange.tried.append(address)
        exchange.address = address
        if !fresh, let idle = loop.takeIdle(address) {
            return attach(idle, to: exchange, reused: true)
        }
        guard let socketAddress = address.socketAddress else {
            return fail(exchange, status: .badGateway)
        }
        let loop = NIOLoopBound(self.loop, eventLoop: context.eventLoop)
        let limits = listener.limits
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(TimeAmount(limits.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(address: address, loop: loop.value,
                                                                                   readTimeout: limits.readTimeout))
                }
            }
            .connect(to: socketAddress)
            .assumeIsolated()
            .whenComplete { result in
                self.connected(result, to: address, for: exchange)
            }
    }

    private func connected(_ result: Result<any Channel, any Error>, to address: UpstreamAddress, for exchange: ProxyExchange) {
        switch result {
        case .success(let channel):
            guard self.exchange === exchange, let handler = try? channel.pipeline.syncOperations.handler(type: UpstreamHandler.self)
            else {
                channel.close(promise: nil)
                return
            }
            attach(handler, to: exchange, reused: false)
        case .failure(let error):
            guard self.exchange === exchange else { return }
            let timedOut = (error as? ChannelError).map { if case .connectTimeout = $0 { true } else { false } } ?? false
            exchange.lastFailure = timedOut ? .timedOut : .refused
            listener.logger.info("\(exchange.upstream): \(address) \(timedOut ? "timed out" : "refused"): \(error)")
            loop.balancer.failed(address, backoff: TimeAmount(listener.limits.failureBackoff))
            connect(exchange)
        }
    }

    /// Sends the head and what was read so far on `connection`.
    private func attach(_ connection: UpstreamHandler, to exchange: ProxyExchange, reused: Bool) {
        exchange.connection = connection
        exchange.reused = reused
        connection.owner = self
        connection.sendHead(exchange.head, upgrade: exchange.webSocketUpgrade, from: origin)
        for part in exchange.replayParts { connection.send(part) }
        for part in exchange.buffered {
            exchange.keepForReplay(part)
            connection.send(part)
        }
        exchange.buffered = []
        connection.flush()
        if pendingRead, connection.isWritable {
            pendingRead = false
            context?.read()
        }
    }

    // MARK: - The endpoint's side

    func upstream(_ connection: UpstreamHandler, received part: UpstreamResponseParser.Event) {
        guard let exchange, exchange.connection === connection, let context else { return }
        switch part {
        case .head(let head) where head.status == .switchingProtocols:
            guard exchange.isWebSocket, let http1 else {
                connection.close()
                return upstream(connection, failed: .closed)
            }
            exchange.status = head.status
            var bytes = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 32)
            ForwardedHeaders.writeResponse(head, to: .init(version: exchange.head.version, keepAlive: true), into: &bytes)
            context.writeAndFlush(NIOAny(bytes), promise: nil)
            startTunnel(exchange, through: connection, http1: http1, context: context)
        case .head(let head):
            exchange.status = head.status
            exchange.upstreamKeepAlive = head.keepAlive
            exchange.forgetReplay()
            if !exchange.requestEnded { exchange.keepAlive = false }
            writeHead(head, of: exchange, from: connection, context: context)
        case .body(let buffer):
            exchange.responseBodyBytes += buffer.readableBytes
            writeBody(buffer, of: exchange, context: context)
        case .end(let trailers):
            loop.balancer.succeeded(connection.address)
            let close = !exchange.keepAlive || closeAfterResponse
            // Released first: writing the end may hand this handler the next request at once.
            release(exchange, reusable: exchange.upstreamKeepAlive && exchange.requestEnded)
            if !exchange.requestEnded { discardingBody = true }
            log(exchange, status: exchange.status ?? .ok)
            writeEnd(trailers, of: exchange, close: close, context: context)
            responseWritten(context: context, closing: close)
        }
    }

    /// Writes the response's head: as HTTP/1 bytes, the body framed as the endpoint
    /// framed it where the client can take that; as a part on an HTTP/2 stream.
    private func writeHead(_ head: UpstreamResponseHead, of exchange: ProxyExchange, from connection: UpstreamHandler,
                           context: ChannelHandlerContext) {
        guard http1 != nil else {
            connection.keepsChunkFraming = false
            context.write(wrapOutboundOut(.head(ForwardedHeaders.response(head))), promise: nil)
            return
        }
        var client = ForwardedHeaders.ClientConnection(version: exchange.head.version,
                                                       keepAlive: exchange.keepAlive && !closeAfterResponse)
        switch head.framing {
        case .chunked where client.version.minor == 0:
            // An HTTP/1.0 client knows no chunks: the data alone, ended by closing.
            connection.keepsChunkFraming = false
            client.unchunksBody = true
            client.keepAlive = false
        case .untilClose where client.version.minor == 0:
            client.keepAlive = false
        case .untilClose:
            client.chunksBody = true
        default:
            break
        }
        exchange.keepAlive = exchange.keepAlive && client.keepAlive
        exchange.chunksBody = client.chunksBody
        var joined = 0
        if case .contentLength(let length) = head.framing, length <= Self.bodyBytesJoinedToHead { joined = length }
        var bytes = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 64 + joined)
        ForwardedHeaders.writeResponse(head, to: client, into: &bytes)
        unwrittenHead = bytes
    }

    /// Writes the head held back, if any.
    private func writeUnwrittenHead(context: ChannelHandlerContext) {
        guard let head = unwrittenHead.take() else { return }
        context.write(NIOAny(head), promise: nil)
    }

    private func writeBody(_ buffer: ByteBuffer, of exchange: ProxyExchange, context: ChannelHandlerContext) {
        guard http1 != nil else {
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            return
        }
        guard exchange.chunksBody else {
            if unwrittenHead != nil, buffer.readableBytes <= Self.bodyBytesJoinedToHead, var head = unwrittenHead.take() {
                // A small body goes out with its head, in one write (the head taken out
                // first, so that it is written in place, not copied).
                var body = buffer
                head.writeBuffer(&body)
                context.write(NIOAny(head), promise: nil)
                return
            }
            writeUnwrittenHead(context: context)
            context.write(NIOAny(buffer), promise: nil)
            return
        }
        writeUnwrittenHead(context: context)
        ChunkFraming.writeChunk(buffer, allocator: context.channel.allocator) { context.write(NIOAny($0), promise: nil) }
    }

    /// Writes the response's end and flushes; with `close`, the connection ends once it
    /// is written.
    private func writeEnd(_ trailers: HTTPHeaders?, of exchange: ProxyExchange, close: Bool, context: ChannelHandlerContext) {
        writeUnwrittenHead(context: context)
        let end: NIOAny
        if http1 == nil {
            end = wrapOutboundOut(.end(trailers))
        } else if exchange.chunksBody {
            end = NIOAny(ChunkFraming.lastChunk)
        } else if close {
            // Nothing more to write: an empty write, for the close to wait on.
            end = NIOAny(context.channel.allocator.buffer(capacity: 0))
        } else {
            context.flush()
            return
        }
        if close {
            context.writeAndFlush(end).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        } else {
            // No promise: a kept-alive connection has nothing to wait for.
            context.writeAndFlush(end, promise: nil)
        }
    }

    func upstreamReadComplete(_ connection: UpstreamHandler) {
        guard exchange?.connection === connection, let context else { return }
        writeUnwrittenHead(context: context)
        context.flush()
    }

    func upstream(_ connection: UpstreamHandler, writable: Bool) {
        guard writable, pendingRead, exchange?.connection === connection else { return }
        pendingRead = false
        context?.read()
    }

    func upstream(_ connection: UpstreamHandler, failed failure: UpstreamFailure) {
        guard let exchange, exchange.connection === connection else { return }
        exchange.connection = nil
        if exchange.status != nil {
            // Part of the response is with the client: the only honest end is a cut.
            listener.logger.info("\(exchange.upstream): \(connection.address) ended the response early (\(failure))")
            log(exchange, status: exchange.status ?? .badGateway)
            self.exchange = nil
            unwrittenHead = nil
            context?.close(promise: nil)
            return
        }
        switch failure {
        case .closed where exchange.reused && exchange.replay != nil:
            // A kept-alive connection the endpoint closed just as it was reused: the
            // request goes again on a fresh connection, as nginx retries it.
            connect(exchange, fresh: true)
        case .timedOut:
            loop.balancer.failed(connection.address, backoff: TimeAmount(listener.limits.failureBackoff))
            fail(exchange, status: .gatewayTimeout)
        default:
            fail(exchange, status: .badGateway)
        }
    }

    /// Leaves both connections to a byte tunnel after the endpoint's `101`: the HTTP
    /// handlers of each side go, and what either side reads the other writes.
    private func startTunnel(_ exchange: ProxyExchange, through connection: UpstreamHandler, http1: HTTP1ServerHandlers,
                             context: ChannelHandlerContext) {
        log(exchange, status: .switchingProtocols)
        self.exchange = nil
        exchange.connection = nil
        let (clientEnd, endpointEnd) = TunnelHandler.pair()
        let pipeline = context.pipeline.syncOperations
        do {
            try pipeline.addHandler(clientEnd)
        } catch {
            connection.close()
            context.close(promise: nil)
            return
        }
        http1.remove(from: pipeline)
        connection.becomeTunnel(endpointEnd)
        let channel = context.channel
        pipeline.removeHandler(context: context, promise: nil)
        channel.read()
    }

    // MARK: - Ending

    /// Answers a request that got no response from an endpoint.
    private func fail(_ exchange: ProxyExchange, status: HTTPResponseStatus) {
        release(exchange, reusable: false)
        let close = !exchange.requestEnded || !exchange.keepAlive
        if !exchange.requestEnded { discardingBody = true }
        reply(status, to: exchange.head, close: close, route: exchange.route, upstream: exchange.upstream,
              address: exchange.address, startedAt: exchange.startedAt)
    }

    /// Gives up on a request whose body grew too large.
    private func abandon(_ exchange: ProxyExchange, replying status: HTTPResponseStatus) {
        if exchange.status != nil {
            release(exchange, reusable: false)
            context?.close(promise: nil)
            return
        }
        fail(exchange, status: status)
    }

    /// Ends the exchange: its connection back to the pool when it may serve another
    /// request, else closed.
    private func release(_ exchange: ProxyExchange, reusable: Bool) {
        if self.exchange === exchange { self.exchange = nil }
        guard let connection = exchange.connection else { return }
        exchange.connection = nil
        connection.owner = nil
        if reusable { loop.giveBack(connection) } else { connection.close() }
        if pendingRead {
            pendingRead = false
            context?.read()
        }
    }

    /// A response is written: requests pipelined behind it are taken up, in order.
    private func responseWritten(context: ChannelHandlerContext, closing: Bool) {
        responding = false
        // The keep-alive timeout counts from the end of the response, as nginx counts it.
        idleTimer?.noteActivity()
        if closing {
            queued = []
            return
        }
        while !responding, !queued.isEmpty {
            handle(queued.removeFirst(), context: context)
        }
        if queued.isEmpty, pendingRead, exchange == nil {
            pendingRead = false
            context.read()
        }
    }

    /// Answers a request with a short body of the proxy's own.
    private func reply(_ status: HTTPResponseStatus, to head: HTTPRequestHead, close requestedClose: Bool,
                       route: IngressRoute? = nil, upstream: IngressUpstream? = nil, address: UpstreamAddress? = nil,
                       startedAt: NIODeadline? = nil) {
        guard let context else { return }
        let close = requestedClose || closeAfterResponse
        let bodyBytes = write(status, version: head.version, close: close, context: context)
        defer { responseWritten(context: context, closing: close) }
        var service: String?
        if case .service(let name, _)? = route?.backend { service = name }
        listener.observe(RequestRecord(
            client: clientAddress, head: head, status: status, bodyBytesSent: bodyBytes,
            requestBytes: RequestCheck.headerBytes(head), seconds: startedAt.map(Self.seconds(since:)) ?? 0, route: route,
            upstream: upstream, upstreamAddress: address,
            upstreamStatus: nil, service: service), on: loop)
    }

    /// Writes a short answer of the proxy's own; with `close`, the connection ends once it
    /// is written. Returns the body's length.
    @discardableResult
    private func write(_ status: HTTPResponseStatus, version: HTTPVersion, close: Bool, context: ChannelHandlerContext) -> Int {
        let body = ErrorReply.body(status)
        let written: EventLoopFuture<Void>
        if http1 != nil {
            var buffer = context.channel.allocator.buffer(capacity: 160)
            ErrorReply.write(status, version: version, keepAlive: !close, into: &buffer)
            written = context.writeAndFlush(NIOAny(buffer))
        } else {
            var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
            buffer.writeString(body)
            context.write(wrapOutboundOut(.head(ErrorReply.head(status, version: version, keepAlive: !close,
                                                                bodyLength: buffer.readableBytes))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        }
        if close {
            closeAfterResponse = true
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
        return body.utf8.count
    }

    private func log(_ exchange: ProxyExchange, status: HTTPResponseStatus) {
        listener.observe(RequestRecord(
            client: clientAddress, head: exchange.head, status: status, bodyBytesSent: exchange.responseBodyBytes,
            requestBytes: exchange.headerBytes + exchange.requestBodyBytes,
            seconds: Self.seconds(since: exchange.startedAt),
            route: exchange.route, upstream: exchange.upstream, upstreamAddress: exchange.address,
            upstreamStatus: exchange.status, service: exchange.upstream.service.name), on: loop)
    }

    private static func seconds(since start: NIODeadline) -> Double {
        Double((NIODeadline.now() - start).nanoseconds) / 1e9
    }
}

extension HTTPServerRequestPart {
    var isHead: Bool {
        if case .head = self { return true }
        return false
    }
}
