import NIOCore
import NIOHTTP1

/// A part of a request's body on its way to the endpoint (the head goes on its own:
/// ``UpstreamHandler/sendHead(_:upgrade:from:)``).
enum UpstreamRequestPart {
    case body(ByteBuffer)
    /// The request's end, with the trailers the client sent.
    case end(HTTPHeaders?)
}
