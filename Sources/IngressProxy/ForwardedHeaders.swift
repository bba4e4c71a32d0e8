import NIOHTTP1

/// How a request and its response change on the way through the proxy, as ingress-nginx
/// changes them by default: hop-by-hop headers dropped, the client's address and scheme
/// passed on in `X-Forwarded-*` and `X-Real-IP` (set, not appended to: a client's own
/// `X-Forwarded-For` is not trusted), `Host` kept as the client sent it.
enum ForwardedHeaders {
    /// The client and listener a request came through.
    struct Origin {
        var clientAddress: String
        /// `http` or `https`.
        var scheme: String
        /// The port the client connected to.
        var port: Int
    }

    /// Headers that belong to one connection and are never forwarded (RFC 9110 §7.6.1),
    /// framing aside: the body's framing is kept so the encoder frames it the same way.
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

    /// `headers` without `names` and without the headers their `Connection` header names.
    /// Removal compares names without case and leaves the other headers' storage shared,
    /// so the common case (nothing to drop) allocates nothing.
    private static func removing(_ names: [String], from headers: HTTPHeaders) -> HTTPHeaders {
        var result = headers
        if headers.contains(name: "connection") {
            for token in headers[canonicalForm: "connection"] { result.remove(name: String(token)) }
        }
        for name in names where result.contains(name: name) { result.remove(name: name) }
        return result
    }

    /// The head sent to the endpoint: HTTP/1.1 (kept alive), the forwarding headers set,
    /// and for a WebSocket handshake its `Connection: upgrade` and `Upgrade` kept.
    static func request(_ head: HTTPRequestHead, from origin: Origin) -> HTTPRequestHead {
        let upgrade = webSocketUpgrade(head.headers)
        var headers = removing(droppedFromRequests, from: head.headers)
        if let upgrade {
            headers.add(name: "Upgrade", value: upgrade)
            headers.add(name: "Connection", value: "upgrade")
        }
        headers.add(name: "X-Real-IP", value: origin.clientAddress)
        headers.add(name: "X-Forwarded-For", value: origin.clientAddress)
        headers.add(name: "X-Forwarded-Host", value: head.headers.first(name: "host") ?? "")
        headers.add(name: "X-Forwarded-Port", value: String(origin.port))
        headers.add(name: "X-Forwarded-Proto", value: origin.scheme)
        headers.add(name: "X-Scheme", value: origin.scheme)
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
    }

    /// The head sent back to the client: hop-by-hop headers dropped (a `101 Switching
    /// Protocols` keeps `Upgrade` and `Connection`), and `Connection` set as the client's
    /// connection goes on: `close` when it ends after this response, `keep-alive` for an
    /// HTTP/1.0 client that asked to keep it.
    static func response(_ head: HTTPResponseHead, clientVersion: HTTPVersion, keepAlive: Bool) -> HTTPResponseHead {
        var result = head
        result.version = clientVersion
        if head.status == .switchingProtocols { return result }
        result.headers = removing(hopByHop, from: head.headers)
        if !keepAlive {
            result.headers.add(name: "Connection", value: "close")
        } else if clientVersion == .http1_0 {
            result.headers.add(name: "Connection", value: "keep-alive")
        }
        return result
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
        headers[canonicalForm: "connection"].contains { $0.lowercased() == token }
    }
}
