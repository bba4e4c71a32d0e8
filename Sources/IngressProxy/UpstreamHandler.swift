import NIOCore
import NIOHTTP1

/// The end of one keep-alive connection to an endpoint: writes the request it serves (its
/// ``owner``) as HTTP/1.1 bytes, reads the response (``UpstreamResponseParser``) and hands
/// it on in pieces as they come, reads only while that client can take more, and tells
/// its loop's pool when it closes while idle.
///
/// The connection has no HTTP codec of NIO's: the proxy writes the request head from the
/// client's, and a response's body goes on as the slices of what was read.
final class UpstreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The most bytes an endpoint's response head may take (nginx answers `502` to a
    /// larger one too).
    static let maxResponseHeadBytes = 64 * 1024

    let address: UpstreamAddress
    /// Weak: connections may outlive their loop's state when the proxy stops.
    private weak var loop: LoopState?
    private var context: ChannelHandlerContext?
    /// The request being served; `nil` while idle in the pool.
    var owner: (any UpstreamOwner)?
    var isIdle = false
    private var pendingRead = false
    /// The endpoint's read timeout (ingress-nginx's `proxy-read-timeout`): nothing read
    /// for this long since the request went out or the last part came. It also ends an
    /// idle connection in the pool.
    private let readTimeout: Duration
    private let idleTimer: IdleTimer
    private var parser = UpstreamResponseParser(maxHeadBytes: UpstreamHandler.maxResponseHeadBytes)
    /// Bytes read and not yet parsed: a head or chunk line cut between two reads.
    private var received = UpstreamHandler.nothingReceived
    private static let nothingReceived = ByteBufferAllocator().buffer(capacity: 0)
    /// How the body of the request being sent is framed.
    private var requestFraming = UpstreamRequestFraming.none

    init(address: UpstreamAddress, loop: LoopState, readTimeout: Duration) {
        self.address = address
        self.loop = loop
        self.readTimeout = readTimeout
        idleTimer = IdleTimer(timeout: readTimeout)
    }

    var isActive: Bool { context?.channel.isActive ?? false }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { startIdleTimer(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleTimer.stop()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        startIdleTimer(context: context)
        context.fireChannelActive()
    }

    private func startIdleTimer(context: ChannelHandlerContext) {
        idleTimer.start(on: context.eventLoop) { [self] in
            let owner = owner
            self.owner = nil
            owner?.upstream(self, failed: .timedOut)
            context.close(promise: nil)
        }
    }

    /// Writes a request's head (flushed by ``flush()``): `head` as the endpoint gets it
    /// (``ForwardedHeaders/writeRequest(_:upgrade:from:into:)``); its response is read next.
    func sendHead(_ head: HTTPRequestHead, upgrade: String?, from origin: ForwardedHeaders.Origin) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 512)
        requestFraming = ForwardedHeaders.writeRequest(head, upgrade: upgrade, from: origin, into: &buffer)
        parser.expectResponse(toHEAD: head.method == .HEAD)
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    /// Writes a part of the request's body (flushed by ``flush()``), in chunks when the
    /// head said so.
    func send(_ part: UpstreamRequestPart) {
        guard let context else { return }
        switch (part, requestFraming) {
        case (.body(let buffer), .chunked):
            ChunkFraming.writeChunk(buffer, allocator: context.channel.allocator) {
                context.write(wrapOutboundOut($0), promise: nil)
            }
        case (.body(let buffer), .contentLength):
            context.write(wrapOutboundOut(buffer), promise: nil)
        case (.body, .none):
            // A body the head gave no framing for (an HTTP/2 `GET` with data, say): sent
            // as it is, the endpoint would read it as the next request; it is dropped.
            return
        case (.end(nil), .chunked):
            context.write(wrapOutboundOut(ChunkFraming.lastChunk), promise: nil)
        case (.end(let trailers?), .chunked):
            context.write(wrapOutboundOut(ChunkFraming.lastChunk(trailers: trailers, allocator: context.channel.allocator)),
                          promise: nil)
        case (.end, _):
            return
        }
    }

    /// Whether a chunked response body keeps its framing when handed on (see
    /// ``UpstreamResponseParser``); set by the owner when the head came.
    var keepsChunkFraming: Bool {
        get { parser.keepsChunkFraming }
        set { parser.keepsChunkFraming = newValue }
    }

    /// Sends what was written; the read timeout starts from here.
    func flush() {
        idleTimer.noteActivity()
        context?.flush()
    }

    func close() {
        owner = nil
        context?.close(promise: nil)
    }

    /// Leaves the connection to `tunnel` once the endpoint accepted a WebSocket upgrade:
    /// this handler goes, bytes read past the `101` go on, and the read timeout is kept by
    /// a handler of its own (a tunnel ends after it too, as ingress-nginx's
    /// `proxy-read-timeout` ends one).
    func becomeTunnel(_ tunnel: TunnelHandler) {
        guard let context else { return }
        owner = nil
        let pipeline = context.pipeline.syncOperations
        do {
            try pipeline.addHandler(IdleStateHandler(readTimeout: TimeAmount(readTimeout)))
            try pipeline.addHandler(tunnel)
        } catch {
            context.close(promise: nil)
            return
        }
        let rest = received
        received = Self.nothingReceived
        if rest.readableBytes > 0 {
            context.fireChannelRead(NIOAny(rest))
            context.fireChannelReadComplete()
        }
        pipeline.removeHandler(context: context, promise: nil)
        context.channel.read()
    }

    /// Reads again if a read was held back while the client could take no more.
    func resumeReading() {
        guard pendingRead, let context else { return }
        pendingRead = false
        context.read()
    }

    func read(context: ChannelHandlerContext) {
        if let owner, !owner.canTakeResponse {
            pendingRead = true
            return
        }
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if received.readableBytes == 0 {
            received = buffer
        } else {
            received.writeBuffer(&buffer)
        }
        do {
            while let owner, let event = try parser.next(&received) {
                owner.upstream(self, received: event)
            }
        } catch {
            return failed(.error(error), context: context)
        }
        if received.readableBytes == 0 {
            // The read's storage is let go, for the next read to use again.
            received = Self.nothingReceived
        } else if !parser.isReading {
            // An idle connection has nothing to say (a response longer than it said is the
            // same): whatever it sent ends it.
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        idleTimer.noteActivity()
        owner?.upstreamReadComplete(self)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        owner?.upstream(self, writable: context.channel.isWritable)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if isIdle { loop?.remove(self) }
        // A body that lasts until the endpoint closes ends here; any other response under
        // way was cut short, which the owner hears as the connection closing.
        if let owner, let end = try? parser.endOfInput() {
            owner.upstream(self, received: end)
            owner.upstreamReadComplete(self)
        }
        let owner = owner
        self.owner = nil
        owner?.upstream(self, failed: .closed)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failed(.error(error), context: context)
    }

    private func failed(_ failure: UpstreamFailure, context: ChannelHandlerContext) {
        let owner = owner
        self.owner = nil
        owner?.upstream(self, failed: failure)
        context.close(promise: nil)
    }
}
