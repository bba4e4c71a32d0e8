import NIOCore
import NIOHTTP1

/// The end of one keep-alive connection to an endpoint: hands the response to the
/// request it serves (its ``owner``), reads only while that client can take more, and
/// tells its loop's pool when it closes while idle.
final class UpstreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

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

    /// Writes one part of the request (flushed by ``flush()``).
    func send(_ part: HTTPClientRequestPart) {
        context?.write(wrapOutboundOut(part), promise: nil)
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
    /// the HTTP codec and this handler go, bytes the decoder read past the `101` go on, and
    /// the read timeout is kept by a handler of its own (a tunnel ends after it too, as
    /// ingress-nginx's `proxy-read-timeout` ends one).
    func becomeTunnel(_ tunnel: TunnelHandler) {
        guard let context else { return }
        owner = nil
        let pipeline = context.pipeline.syncOperations
        do {
            try pipeline.addHandler(IdleStateHandler(readTimeout: TimeAmount(readTimeout)))
            try pipeline.addHandler(tunnel)
            pipeline.removeHandler(try pipeline.handler(type: HTTPRequestEncoder.self), promise: nil)
            pipeline.removeHandler(try pipeline.handler(type: ByteToMessageHandler<HTTPResponseDecoder>.self), promise: nil)
        } catch {
            context.close(promise: nil)
            return
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
        let part = unwrapInboundIn(data)
        guard let owner else {
            // An idle connection has nothing to say; whatever it sent ends it.
            context.close(promise: nil)
            return
        }
        owner.upstream(self, received: part)
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
        let owner = owner
        self.owner = nil
        owner?.upstream(self, failed: .closed)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let owner = owner
        self.owner = nil
        owner?.upstream(self, failed: .error(error))
        context.close(promise: nil)
    }
}
