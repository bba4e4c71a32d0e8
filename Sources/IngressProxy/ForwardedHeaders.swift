import NIOCore
import NIOHTTP1

/// How a request and its response change on the way through the proxy, as ingress-nginx
/// changes them by default: hop-by-hop headers dropped, the client's address and scheme
/// passed on in `X-Forwarded-*` and `X-Real-IP` (set, not appended to: a client's own
/// `X-Forwarded-For` is not trusted), `Host` kept as the client sent it.
enum ForwardedHeaders {
    /// The client and listener a request came through, as the forwarding headers tell
    /// them: written once a connection, since only `X-Forwarded-Host` changes between its
    /// requests.
    struct Origin {
        /// `X-Real-IP` and `X-Forwarded-For` lines, then `X-Forwarded-Host: ` (its value is
        /// each request's).
        let leading: ByteBuffer
        /// The line end of `X-Forwarded-Host`, the `X-Forwarded-Port`, `X-Forwarded-Proto`
        /// and `X-Scheme` lines, and the empty line that ends the head.
        let trailing: ByteBuffer

        /// `scheme`: `http` or `https`; `port`: the one the client connected to.
        init(clientAddress: String, scheme: String, port: String) {
            leading = ByteBuffer(string: "X-Real-IP: \(clientAddress)\r\nX-Forwarded-For: \(clientAddress)\r\nX-Forwarded-Host: ")
            trailing = ByteBuffer(string: "\r\nX-Forwarded-Port: \(port)\r\nX-Forwarded-Proto: \(scheme)\r\nX-Scheme: \(scheme)\r\n\r\n")
        }
    }

    /// Headers that belong to one connection and are never forwarded (RFC 9110 §7.6.1),
    /// framing aside: a request's framing the proxy sets itself, a response's goes on
    /// with its body.
    static let hopByHop = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
        "proxy-authenticate", "proxy-authorization",
    ]

    /// `Expect: 100-continue` is answered by the proxy itself.
    static let answeredHere = ["expect"]

    /// Headers a client may not set for itself.
    static let replaced = [
        "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-real-ip", "x-scheme",
    ]

    /// What a request loses on the way to the endpoint (joined once, not per request).
    static let droppedFromRequests = hopByHop + replaced + answeredHere

    /// ``droppedFromRequests`` by their length, so a name is compared only with those as long.
    private static let droppedByLength: [[String]] = {
        var table = [[String]](repeating: [], count: (droppedFromRequests.map(\.utf8.count).max() ?? 0) + 1)
        for name in droppedFromRequests { table[name.utf8.count].append(name) }
        return table
    }()

    private static func isDroppedFromRequests(_ name: String) -> Bool {
        let length = name.utf8.count
        return length < droppedByLength.count && droppedByLength[length].contains { HTTPToken.sameIgnoringCase(name, $0) }
    }

    /// The names (as the client wrote them) a request's `Connection` headers list.
    private static func nominated(_ headers: HTTPHeaders) -> [Substring] {
        var names: [Substring] = []
        for (name, value) in headers where HTTPToken.sameIgnoringCase(name, "connection") {
            names += value.split(separator: ",").map(withoutSpaces)
        }
        return names
    }

    /// A `Connection` token without the spaces around it.
    private static func withoutSpaces(_ token: Substring) -> Substring {
        var token = token
        while token.first == " " || token.first == "\t" { token.removeFirst() }
        while token.last == " " || token.last == "\t" { token.removeLast() }
        return token
    }

    /// Writes the head sent to the endpoint into `buffer`: HTTP/1.1 (kept alive), the
    /// client's headers but those dropped, the body's framing as NIO's encoder frames it,
    /// the forwarding headers set, and for a WebSocket handshake (`upgrade`: its
    /// ``webSocketUpgrade(_:)``, read once by the caller) its `Upgrade` and
    /// `Connection: upgrade`. Returns how the body is framed.
    static func writeRequest(_ head: HTTPRequestHead, upgrade: String?, from origin: Origin,
                             into buffer: inout ByteBuffer) -> UpstreamRequestFraming {
        let framing = requestFraming(head)
        buffer.writeString(head.method.rawValue)
        buffer.writeStaticString(" ")
        buffer.writeString(head.uri)
        buffer.writeStaticString(" HTTP/1.1\r\n")
        let nominated = nominated(head.headers)
        var host = ""
        for (name, value) in head.headers {
            if HTTPToken.sameIgnoringCase(name, "host") {
                if host.isEmpty { host = value }
            } else if isDroppedFromRequests(name)
                        || HTTPToken.sameIgnoringCase(name, "transfer-encoding")
                        || (framing != .contentLength && HTTPToken.sameIgnoringCase(name, "content-length"))
                        || (!nominated.isEmpty && nominated.contains(where: { HTTPToken.sameIgnoringCase(name, $0) })) {
                continue
            }
            writeField(name, value, into: &buffer)
        }
        if framing == .chunked { buffer.writeStaticString("Transfer-Encoding: chunked\r\n") }
        if let upgrade {
            writeField("Upgrade", upgrade, into: &buffer)
            buffer.writeStaticString("Connection: upgrade\r\n")
        }
        buffer.writeImmutableBuffer(origin.leading)
        buffer.writeString(host)
        buffer.writeImmutableBuffer(origin.trailing)
        return framing
    }

    /// How a request's body is framed on the way to the endpoint (NIO's encoder's rules).
    static func requestFraming(_ head: HTTPRequestHead) -> UpstreamRequestFraming {
        if head.method == .TRACE { return .none }
        if head.headers.contains(name: "content-length") { return .contentLength }
        switch head.method {
        case .POST, .PUT, .PATCH:
            return .chunked
        default:
            guard head.headers.contains(name: "transfer-encoding") else { return .none }
            let codings = head.headers[canonicalForm: "transfer-encoding"]
            return codings.last.map { HTTPToken.sameIgnoringCase($0, "chunked") } == true ? .chunked : .none
        }
    }

    /// Writes `head` as HTTP/1 bytes: status line, its headers, the empty line (for the
    /// proxy's own answers, whose heads are values).
    static func writeHead(_ head: HTTPResponseHead, into buffer: inout ByteBuffer) {
        writeStatusLine(version: head.version, code: head.status.code, into: &buffer)
        buffer.writeString(head.status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        for (name, value) in head.headers { writeField(name, value, into: &buffer) }
        buffer.writeStaticString("\r\n")
    }

    private static func writeField(_ name: String, _ value: String, into buffer: inout ByteBuffer) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    /// How the client's connection goes on after a response, told in its head.
    struct ClientConnection {
        var version: HTTPVersion
        /// Whether it stays open after this response.
        var keepAlive: Bool
        /// Whether the body goes to it in chunks of the proxy's own (the endpoint's body
        /// lasts until it closes, and the client speaks HTTP/1.1).
        var chunksBody = false
        /// Whether the endpoint's chunked framing is taken off (for an HTTP/1.0 client).
        var unchunksBody = false
    }

    /// Writes the head sent back to an HTTP/1 client into `buffer`: the endpoint's header
    /// lines as they came but the hop-by-hop ones (a `101 Switching Protocols` keeps them
    /// all; a kept-alive connection may keep the endpoint's lone `Connection: keep-alive`),
    /// and `Connection` set as the client's connection goes on: `close` when it ends after
    /// this response, `keep-alive` for an HTTP/1.0 client that asked to keep it.
    static func writeResponse(_ head: UpstreamResponseHead, to client: ClientConnection, into buffer: inout ByteBuffer) {
        let start = head.bytes.readerIndex
        writeStatusLine(version: client.version, code: head.status.code, into: &buffer)
        var reason = head.bytes.getSlice(at: start + head.reason.lowerBound, length: head.reason.count)!
        buffer.writeBuffer(&reason)
        buffer.writeStaticString("\r\n")
        let keepsAll = head.status == .switchingProtocols || head.hopByHopLines.isEmpty
            || (client.keepAlive && head.onlyKeepAlive)
        if keepsAll, !client.unchunksBody {
            var fields = head.bytes.getSlice(at: start + head.fieldsStart, length: head.fieldsEnd - head.fieldsStart)!
            buffer.writeBuffer(&fields)
        } else {
            let bytes = head.bytes.readableBytesUInt8Span
            UpstreamHeaderLines.forEach(in: bytes, from: head.fieldsStart, to: head.fieldsEnd) { line in
                if !keepsAll, head.hopByHopLines.contains(line.whole) { return }
                if client.unchunksBody, HTTPToken.matches(bytes, line.name, UpstreamResponseParser.transferEncoding) { return }
                var kept = head.bytes.getSlice(at: start + line.whole.lowerBound, length: line.whole.count)!
                buffer.writeBuffer(&kept)
            }
        }
        if head.status != .switchingProtocols {
            if !client.keepAlive {
                buffer.writeStaticString("Connection: close\r\n")
            } else if client.version == .http1_0, !(head.onlyKeepAlive && keepsAll) {
                buffer.writeStaticString("Connection: keep-alive\r\n")
            }
            if client.chunksBody { buffer.writeStaticString("Transfer-Encoding: chunked\r\n") }
        }
        buffer.writeStaticString("\r\n")
    }

    /// The head sent back to an HTTP/2 client: the endpoint's headers but the hop-by-hop ones.
    static func response(_ head: UpstreamResponseHead) -> HTTPResponseHead {
        HTTPResponseHead(version: .http2, status: head.status, headers: HTTPHeaders(head.forwardedFields))
    }

    /// Writes `HTTP/1.1 200 ` and so on (the reason phrase is the caller's).
    static func writeStatusLine(version: HTTPVersion, code: UInt, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code / 100 % 10))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code / 10 % 10))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code % 10))
        buffer.writeStaticString(" ")
    }

    /// The `Upgrade` value of a WebSocket handshake (`Connection: upgrade` and
    /// `Upgrade: websocket`), else `nil`.
    static func webSocketUpgrade(_ headers: HTTPHeaders) -> String? {
        guard let upgrade = headers.first(name: "upgrade"), upgrade.lowercased() == "websocket",
              connectionLists("upgrade", in: headers) else { return nil }
        return upgrade
    }

    /// Whether a `Connection` header lists `token`.
    static func connectionLists(_ token: String, in headers: HTTPHeaders) -> Bool {
        headers[canonicalForm: "connection"].contains { HTTPToken.sameIgnoringCase($0, token) }
    }
}
