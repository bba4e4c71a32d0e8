import NIOCore
import NIOHTTP1

/// The HTTP/1.1 server handlers of one client connection, kept so that a WebSocket upgrade
/// can take them out and leave the connection to a tunnel. Bytes the decoder has read
/// past the upgrade request are handed on, not dropped.
struct HTTP1ServerHandlers {
    let encoder = HTTPResponseEncoder()
    let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))

    /// Adds them in NIO's order (as `configureHTTPServerPipeline` does), without its
    /// pipelining handler: that one stops reading for every request until its response is
    /// written (two `epoll_ctl` calls a request); the proxy holds back only pipelined ones.
    /// Nor its error handler: the proxy answers a request the parser refuses itself; and
    /// the keep-alive timeout is the proxy handler's own (``IdleTimer``): one handler less
    /// each for every part read and written.
    func add(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(encoder)
        try pipeline.addHandler(decoder)
    }

    /// Takes them out, the decoder last so what it still holds reaches the tunnel.
    func remove(from pipeline: ChannelPipeline.SynchronousOperations) {
        pipeline.removeHandler(encoder, promise: nil)
        pipeline.removeHandler(decoder, promise: nil)
    }
}
