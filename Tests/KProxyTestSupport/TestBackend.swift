import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An endpoint for the proxy to send to: an HTTP/1.1 server on loopback that answers
///
/// - `GET /bytes/N`: N bytes, written 64 KiB at a time as the client takes them;
/// - `GET /slow/MS`: its name after MS milliseconds;
/// - `GET /silent`: nothing, ever;
/// - `GET /hold`: its name once ``releaseHeld()`` is called;
/// - `GET /raw/NAME`: one of the responses of ``rawResponses`` as bytes written by hand
///   (framings NIO's encoder does not write, and invalid ones), then the connection closes;
/// - a WebSocket handshake: the upgrade, then every text or binary frame echoed;
/// - `POST /pause-read`: reads nothing more after the head until ``resumeReading()``,
///   then the body, and answers as below;
/// - anything else: its name, the request line and every header, one per line, after
///   reading (and counting) the whole body.
public final class TestBackend: Sendable {
    public let name: String
    public let port: Int
    private let channel: any Channel
    private let counters: Counters
    /// The socket holding the port after ``refuseConnections()``.
    private let reservation = Mutex<Int32?>(nil)

    /// What it has seen.
    final class Counters: Sendable {
        let requests = Atomic<Int>(0)
        let bodyBytes = Atomic<Int>(0)
        let sentBytes = Atomic<Int>(0)
        /// Connections told to stop reading (`/pause-read`), and how many have stopped.
        let paused = Mutex<[any Channel]>([])
        let pausedReads = Atomic<Int>(0)
        /// The answers to `/hold` requests, waiting.
        let held = Mutex<[@Sendable () -> Void]>([])
    }

    /// The responses of `GET /raw/NAME`.
    public static let rawResponses = [
        "chunked": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n",
        "until-close": "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nuntil close",
        "bad-length": "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\nConnection: close\r\n\r\nhello",
    ]

    public static func start(_ name: String) async throws -> TestBackend {
        let counters = Counters()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // So that ``refuseConnections()`` can hold the port before the listener closes.
            .serverChannelOption(ChannelOptions.socket(SocketOptionLevel(SOL_SOCKET), SO_REUSEPORT), value: 1)
            .childChannelInitializer { channel in
                let handler = BackendHandler(name: name, counters: counters)
                let webSocket = NIOWebSocketServerUpgrader(
                    shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(EchoFrames()) }
                    })
                return channel.pipeline.configureHTTPServerPipeline(
                    withServerUpgrade: (upgraders: [webSocket], completionHandler: { context in
                        context.pipeline.syncOperations.removeHandler(handler, promise: nil)
                    })
                ).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestBackend(name: name, port: channel.localAddress?.port ?? 0, channel: channel, counters: counters)
    }

    private init(name: String, port: Int, channel: any Channel, counters: Counters) {
        self.name = name
        self.port = port
        self.channel = channel
        self.counters = counters
    }

    /// Requests whose head it read.
    public var requests: Int { counters.requests.load(ordering: .relaxed) }
    /// Request body bytes read, over all requests.
    public var bodyBytes: Int { counters.bodyBytes.load(ordering: .relaxed) }
    /// Download bytes written to the socket so far (`/bytes/N`).
    public var sentBytes: Int { counters.sentBytes.load(ordering: .relaxed) }

    /// How many connections have stopped reading at `/pause-read`.
    public var pausedConnections: Int { counters.pausedReads.load(ordering: .acquiring) }

    /// Lets every connection stopped at `/pause-read` read on.
    public func resumeReading() {
        for channel in counters.paused.withLock({ paused in defer { paused = [] }; return paused }) {
            channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in channel.read() }
        }
    }

    /// Stops listening but keeps the port, so connections to it are refused for as long
    /// as the backend lives (a port merely closed could be taken by another test's server).
    public func refuseConnections() async throws {
        // Reserved before the listener closes, so the port is never free in between.
        let descriptor = try Socket.reserved(port: UInt16(port))
        reservation.withLock { $0 = descriptor }
        try? await channel.close()
    }

    /// How many `/hold` requests wait for ``releaseHeld()``.
    public var heldRequests: Int { counters.held.withLock { $0.count } }

    /// Answers every `/hold` request waiting.
    public func releaseHeld() {
        for answer in counters.held.withLock({ held in defer { held = [] }; return held }) { answer() }
    }

    public func stop() async {
        try? await channel.close()
        if let descriptor = reservation.withLock({ held in defer { held = nil }; return held }) { close(descriptor) }
    }
}

/// One connection of a ``TestBackend``.
private final class BackendHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let name: String
    let counters: TestBackend.Counters
    private var head: HTTPRequestHead?
    private var remaining = 0

    init(name: String, counters: TestBackend.Counters) {
        self.name = name
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            counters.requests.add(1, ordering: .relaxed)
            if head.uri == "/pause-read" { pauseReading(context: context) }
        case .body(let buffer):
            counters.bodyBytes.add(buffer.readableBytes, ordering: .relaxed)
        case .end:
            guard let head else { return }
            respond(to: head, context: context)
        }
    }

    private func pauseReading(context: ChannelHandlerContext) {
        let channel = context.channel
        let counters = counters
        counters.paused.withLock { $0.append(channel) }
        channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in
            counters.pausedReads.add(1, ordering: .releasing)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let parts = head.uri.split(separator: "/")
        switch parts.first {
        case "bytes":
            remaining = Int(parts.dropFirst().first ?? "") ?? 0
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: String(remaining))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            writeMore(context: context)
        case "slow":
            let delay = Int64(parts.dropFirst().first ?? "") ?? 0
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(delay)) {
                let (handler, context) = bound.value
                handler.answer(handler.name + "\n", context: context)
            }
        case "silent":
            break
        case "raw":
            guard let bytes = TestBackend.rawResponses[String(parts.dropFirst().first ?? "")],
                  let encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
            else { return answer("no such response\n", context: context) }
            // Written from the encoder's place in the pipeline, so that it goes out as it is.
            // NIO's server handlers saw no response end: the connection serves no other.
            encoder.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: bytes))).whenComplete { _ in
                context.close(promise: nil)
            }
        case "hold":
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let loop = context.eventLoop
            counters.held.withLock {
                $0.append {
                    loop.execute {
                        let (handler, context) = bound.value
                        handler.answer(handler.name + "\n", context: context)
                    }
                }
            }
        default:
            var text = "\(name)\n\(head.method.rawValue) \(head.uri)\n"
            for (header, value) in head.headers { text += "\(header.lowercased()): \(value)\n" }
            answer(text, context: context)
        }
    }

    private func answer(_ text: String, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: String(text.utf8.count))
        headers.add(name: "Keep-Alive", value: "timeout=5")
        headers.add(name: "X-Backend", value: name)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Writes the download while the socket takes it.
    private func writeMore(context: ChannelHandlerContext) {
        while remaining > 0, context.channel.isWritable {
            let size = min(remaining, 64 * 1024)
            remaining -= size
            counters.sentBytes.add(size, ordering: .relaxed)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(repeating: 0x61, count: size)))),
                          promise: nil)
        }
        if remaining == 0 {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            context.flush()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, remaining > 0 { writeMore(context: context) }
        context.fireChannelWritabilityChanged()
    }
}

/// Echoes each data frame of an upgraded connection, and answers a close with a close.
private final class EchoFrames: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            let reply = WebSocketFrame(fin: true, opcode: frame.opcode, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        case .connectionClose:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer())))
                .whenComplete { _ in context.close(promise: nil) }
        default:
            break
        }
    }
}
