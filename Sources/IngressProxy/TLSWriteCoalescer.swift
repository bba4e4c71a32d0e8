import NIOCore

/// Joins the small writes of one flush into one buffer on their way to TLS, so that a
/// response's head and short body go out as one TLS record, as nginx writes them, instead
/// of one record (and one encryption) each. A write that would make the joined buffer
/// larger than one record's plaintext goes on by itself, after what was joined before it,
/// so large bodies are not copied.
final class TLSWriteCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// The most plaintext a TLS record carries.
    static let recordSize = 16 * 1024

    private var joined: ByteBuffer?
    /// Completed when the joined buffer is written: the first promise of the writes in it,
    /// the others cascaded from it.
    private var joinedPromise: EventLoopPromise<Void>?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .byteBuffer(let buffer) = unwrapOutboundIn(data),
              buffer.readableBytes + (joined?.readableBytes ?? 0) <= Self.recordSize else {
            writeJoined(context: context)
            context.write(data, promise: promise)
            return
        }
        if joined == nil {
            joined = buffer
        } else {
            joined!.writeImmutableBuffer(buffer)
        }
        if let promise {
            if let joinedPromise { joinedPromise.futureResult.cascade(to: promise) } else { joinedPromise = promise }
        }
    }

    func flush(context: ChannelHandlerContext) {
        writeJoined(context: context)
        context.flush()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Only as the connection closes: what was never flushed is not written, as NIO
        // fails writes not flushed before a close.
        joined = nil
        joinedPromise?.fail(ChannelError.ioOnClosedChannel)
        joinedPromise = nil
    }

    private func writeJoined(context: ChannelHandlerContext) {
        guard let buffer = joined else { return }
        let promise = joinedPromise
        joined = nil
        joinedPromise = nil
        context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: promise)
    }
}
