import NIOCore
import NIOHTTP1

/// The HTTP/1.1 request decoder of one client connection, kept so that a WebSocket upgrade
/// can take it out and leave the connection to a tunnel. Bytes the decoder has read past
/// the upgrade request are handed on, not dropped.
///
/// There is no response encoder: the proxy writes its responses as bytes itself.
struct HTTP1ServerHandlers {
    let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))

    /// Adds the decoder, without NIO's pipelining handler: that one stops reading for every
    /// request until its response is written (two `epoll_ctl` calls a request); the proxy
    /// holds back only pipelined ones. Nor its error handler: the proxy answers a request
    /// the parser refuses itself; and the keep-alive timeout is the proxy handler's own
    /// (``IdleTimer``): one handler less each for every part read and written.
    func add(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(decoder)
    }

    /// Takes the decoder out, so what it still holds reaches the tunnel.
    func remove(from pipeline: ChannelPipeline.SynchronousOperations) {
        pipeline.removeHandler(decoder, promise: nil)
    }
}
