import NIOCore
import NIOHTTP2

/// Ends an HTTP/2 connection gracefully when the proxy shuts down: on
/// `ChannelShouldQuiesceEvent` it tells the client with GOAWAY that no stream after the
/// last one it opened will be served, and closes the connection once the streams already
/// open are done and their frames are written. Sits in the connection's pipeline after the
/// HTTP/2 handler, counting the streams it reports.
final class HTTP2Quiescer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private var openStreams = 0
    /// The newest stream the client opened: the last one GOAWAY says will be served.
    private var lastStreamID = HTTP2StreamID.rootStream
    private var quiescing = false

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let created as NIOHTTP2StreamCreatedEvent:
            openStreams += 1
            lastStreamID = max(lastStreamID, created.streamID)
        case is StreamClosedEvent:
            openStreams -= 1
            if quiescing, openStreams <= 0 { closeWhenWritten(context) }
        case is ChannelShouldQuiesceEvent:
            quiescing = true
            if openStreams <= 0 {
                closeWhenWritten(context)
            } else {
                context.writeAndFlush(wrapOutboundOut(goAway), promise: nil)
            }
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    private var goAway: HTTP2Frame {
        HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil))
    }

    /// Sends GOAWAY (again), and closes once it is written: the last stream's frames, written
    /// before it, are on their way by then.
    private func closeWhenWritten(_ context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(goAway)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
