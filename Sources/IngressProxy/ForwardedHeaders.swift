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
        var port: String
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

    /// The headers of `headers` that go on: all but `names` and the headers its
    /// `Connection` header names, found in one pass with names compared without case;
    /// `nil` when all go on (the caller keeps the storage it has).
    private static func kept(_ headers: HTTPHeaders, dropping names: [String], reserving extra: Int) -> [(String, String)]? {
        var nominated: [Substring] = []
        var dropsAny = false
        for (name, value) in headers {
            if sameIgnoringCase(name, "connection") {
                nominated += value.split(separator: ",").map(withoutSpaces)
                dropsAny = true
            } else if !dropsAny, names.contains(where: { sameIgnoringCase(name, $0) }) {
                dropsAny = true
            }
        }
        guard dropsAny else { return nil }
        var kept: [(String, String)] = []
        kept.reserveCapacity(headers.count + extra)
        for (name, value) in headers
        where !names.contains(where: { sameIgnoringCase(name, $0) }) && !sameIgnoringCase(name, "connection")
            && !nominated.contains(where: { sameIgnoringCase(name, $0) }) {
            kept.append((name, value))
        }
        return kept
    }

    /// A `Connection` token without the spaces around it.
    private static func withoutSpaces(_ token: Substring) -> Substring {
        var token = token
        while token.first == " " || token.first == "\t" { token.removeFirst() }
        while token.last == " " || token.last == "\t" { token.removeLast() }
        return token
    }

    /// Whether two header names (or `Connection` tokens) are the same but for the case of
    /// their ASCII letters.
    static func sameIgnoringCase(_ first: some StringProtocol, _ second: some StringProtocol) -> Bool {
        guard first.utf8.count == second.utf8.count else { return false }
        var others = second.utf8.makeIterator()
        for byte in first.utf8 {
            guard let other = others.next(), byte == other || lowercased(byte) == lowercased(other) else { return false }
        }
        return true
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// The head sent to the endpoint: HTTP/1.1 (kept alive), the forwarding headers set,
    /// and for a WebSocket handshake (`upgrade`: its ``webSocketUpgrade(_:)``, read once by
    /// the caller) its `Connection: upgrade` and `Upgrade` kept.
    static func request(_ head: HTTPRequestHead, upgrade: String?, from origin: Origin) -> HTTPRequestHead {
        var headers = kept(head.headers, dropping: droppedFromRequests, reserving: 8) ?? {
            var all = Array(head.headers)
            all.reserveCapacity(all.count + 8)
            return all
        }()
        if let upgrade {
            headers.append(("Upgrade", upgrade))
            headers.append(("Connection", "upgrade"))
        }
        headers.append(("X-Real-IP", origin.clientAddress))
        headers.append(("X-Forwarded-For", origin.clientAddress))
        headers.append(("X-Forwarded-Host", head.headers.first(name: "host") ?? ""))
        headers.append(("X-Forwarded-Port", origin.port))
        headers.append(("X-Forwarded-Proto", origin.scheme))
        headers.append(("X-Scheme", origin.scheme))
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: HTTPHeaders(headers))
    }

    /// The head sent back to the client: hop-by-hop headers dropped (a `101 Switching
    /// Protocols` keeps `Upgrade` and `Connection`; a kept-alive connection may keep the
    /// endpoint's `Connection: keep-alive`), and `Connection` set as the client's
    /// connection goes on: `close` when it ends after this response, `keep-alive` for an
    /// HTTP/1.0 client that asked to keep it.
    static func response(_ head: HTTPResponseHead, clientVersion: HTTPVersion, keepAlive: Bool) -> HTTPResponseHead {
        var result = head
        result.version = clientVersion
        if head.status == .switchingProtocols { return result }
        // A kept-alive connection keeps the endpoint's own `Connection: keep-alive`, which is
        // what nginx tells such a client too: most endpoints send nothing else hop-by-hop,
        // and their head goes on as it came.
        if keepAlive, let saysKeepAlive = onlyKeepAlive(head.headers) {
            if clientVersion == .http1_0, !saysKeepAlive { result.headers.add(name: "Connection", value: "keep-alive") }
            return result
        }
        let connection: String? = !keepAlive ? "close" : clientVersion == .http1_0 ? "keep-alive" : nil
        guard var headers = kept(head.headers, dropping: hopByHop, reserving: 1) else {
            if let connection { result.headers.add(name: "Connection", value: connection) }
            return result
        }
        if let connection { headers.append(("Connection", connection)) }
        result.headers = HTTPHeaders(headers)
        return result
    }

    /// Whether the only hop-by-hop header of `headers` is one `Connection: keep-alive`
    /// (`true`) or there is none (`false`); `nil` when there are others.
    private static func onlyKeepAlive(_ headers: HTTPHeaders) -> Bool? {
        var saysKeepAlive = false
        for (name, value) in headers {
            if sameIgnoringCase(name, "connection") {
                guard !saysKeepAlive, sameIgnoringCase(value, "keep-alive") else { return nil }
                saysKeepAlive = true
            } else if hopByHop.contains(where: { sameIgnoringCase(name, $0) }) {
                return nil
            }
        }
        return saysKeepAlive
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
        headers[canonicalForm: "connection"].contains { sameIgnoringCase($0, token) }
    }
}
