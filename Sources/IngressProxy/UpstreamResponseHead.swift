import NIOCore
import NIOHTTP1

/// An endpoint's response head as it came, with what the proxy needs to know of it read
/// once: status, how its body is framed, whether the connection stays open, and which of
/// its header lines belong to the connection alone (hop-by-hop).
///
/// The header lines are kept as the endpoint's bytes, not as strings: a response to an
/// HTTP/1.1 client is written from them as they are, less the hop-by-hop lines.
struct UpstreamResponseHead {
    var version: HTTPVersion
    var status: HTTPResponseStatus
    /// The head's bytes: status line, header lines and the empty line that ends them. The
    /// positions below are offsets into its readable bytes.
    var bytes: ByteBuffer
    /// Where the header lines start (after the status line) and where they end (before the
    /// empty line).
    var fieldsStart: Int
    var fieldsEnd: Int
    /// Where the reason phrase lies.
    var reason: Range<Int>
    var framing: UpstreamBodyFraming
    /// Whether the endpoint keeps the connection open after this response.
    var keepAlive: Bool
    /// The lines (with their line ending) not forwarded: hop-by-hop
    /// headers and those the `Connection` header names. Empty for most responses.
    var hopByHopLines: ShortList<Range<Int>>
    /// Whether the only hop-by-hop line is one `Connection: keep-alive`.
    var onlyKeepAlive: Bool

    /// The header fields forwarded (hop-by-hop ones left out), as strings: for a client
    /// that gets the head as a value (HTTP/2), not as bytes.
    var forwardedFields: [(String, String)] {
        var fields: [(String, String)] = []
        let bytes = self.bytes.readableBytesUInt8Span
        UpstreamHeaderLines.forEach(in: bytes, from: fieldsStart, to: fieldsEnd) { line in
            guard !hopByHopLines.contains(line.whole) else { return }
            fields.append((UpstreamResponseParser.string(bytes, line.name), UpstreamResponseParser.string(bytes, line.value)))
        }
        return fields
    }
}

/// How an endpoint's response body is delimited.
enum UpstreamBodyFraming: Equatable {
    /// No body: a response to `HEAD`, a `204` or `304`, or a `101` (the tunnel follows).
    case none
    case contentLength(Int)
    case chunked
    /// The body ends when the endpoint closes the connection.
    case untilClose
}
