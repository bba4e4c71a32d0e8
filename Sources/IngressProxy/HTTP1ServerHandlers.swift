import NIOCore
import NIOHTTP1

/// The HTTP/1.1 server handlers of one client connection, kept so that a WebSocket upgrade
/// can take them out and leave the connection to a tunnel. Bytes the decoder has read
/// past the upgrade request are handed on, not dropped.
struct HTTP1ServerHandlers {
    let encoder = HTTPResponseEncoder()
    let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
    let errors = HTTPServerProtocolErrorHandler()
    /// The keep-alive timeout: the client sent nothing for this long. Reads only: watching
    /// writes too would cost a promise for every part written. (A tunnel has none: the
    /// endpoint's read timeout ends it.)
    let idle: IdleStateHandler

    init(idleTimeout: Duration) {
        idle = IdleStateHandler(readTimeout: TimeAmount(idleTimeout))
    }

    /// Adds them in NIO's order (as `configureHTTPServerPipeline` does), without its
    /// pipelining handler: that one stops reading for every request until its response is
    /// written (two `epoll_ctl` calls a request); the proxy holds back only pipelined ones.
    func add(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(encoder)
        try pipeline.addHandler(decoder)
        try pipeline.addHandler(errors)
        try pipeline.addHandler(idle)
    }

    /// Takes them out, the decoder last so what it still holds reaches the tunnel.
    func remove(from pipeline: ChannelPipeline.SynchronousOperations) {
        pipeline.removeHandler(encoder, promise: nil)
        pipeline.removeHandler(errors, promise: nil)
        pipeline.removeHandler(idle, promise: nil)
        pipeline.removeHandler(decoder, promise: nil)
    }
}
