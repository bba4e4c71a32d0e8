import NIOCore
import NIOHTTP1

/// The short answers the proxy gives itself, each a one-line plain-text body naming the
/// status, as ingress-nginx answers with its own pages.
enum ErrorReply {
    static func head(_ status: HTTPResponseStatus, version: HTTPVersion, keepAlive: Bool, bodyLength: Int) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: String(bodyLength))
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if version == .http1_0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        return HTTPResponseHead(version: version, status: status, headers: headers)
    }

    /// The whole answer as HTTP/1 bytes (``head(_:version:keepAlive:bodyLength:)`` and
    /// ``body(_:)``), for a connection without NIO's encoder.
    static func write(_ status: HTTPResponseStatus, version: HTTPVersion, keepAlive: Bool, into buffer: inout ByteBuffer) {
        let body = body(status)
        ForwardedHeaders.writeHead(head(status, version: version, keepAlive: keepAlive, bodyLength: body.utf8.count),
                                   into: &buffer)
        buffer.writeString(body)
    }

    /// `404 Not Found`, and so on.
    static func body(_ status: HTTPResponseStatus) -> String {
        "\(status.code) \(status.reasonPhrase)\n"
    }
}
