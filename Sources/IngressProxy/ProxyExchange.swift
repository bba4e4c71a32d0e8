import NIOCore
import NIOHTTP1
import ServiceModel

/// One request on its way through the proxy: what was decided for it, where it went, and
/// how far each side has got.
final class ProxyExchange {
    let head: HTTPRequestHead
    /// The bytes the request line and headers took.
    let headerBytes: Int
    let route: IngressRoute
    let upstream: IngressUpstream
    /// Whether the client's connection stays open after this response.
    var keepAlive: Bool
    let startedAt: NIODeadline
    /// The endpoints tried so far (a few at most), and the one in use.
    var tried = ShortList<UpstreamAddress>()
    var address: UpstreamAddress?
    var connection: UpstreamHandler?
    /// Whether ``connection`` came from the pool (it may have been closed by the endpoint
    /// just before use, which a fresh connection then retries).
    var reused = false
    /// Request parts read before a connection was ready.
    var buffered: [UpstreamRequestPart] = []
    /// Whether the whole request was read from the client.
    var requestEnded = false
    /// The request parts sent so far, kept while they are few, to send again when a
    /// reused connection turns out closed; `nil` once too large or once a response came.
    /// The end is kept apart (``replayEnd``): most requests are a head and an end, and
    /// so keep nothing here.
    private(set) var replay: [UpstreamRequestPart]? = []
    /// The request's end once sent, with its trailers, while a replay is possible.
    private(set) var replayEnd: HTTPHeaders??
    private var replayBytes = 0
    /// The most request body bytes kept for a replay.
    static let replayLimit = 64 * 1024
    var requestBodyBytes = 0
    /// The endpoint's response status once its head arrived.
    var status: HTTPResponseStatus?
    var upstreamKeepAlive = true
    var responseBodyBytes = 0
    /// The `Upgrade` value of a WebSocket handshake, read from the head once.
    let webSocketUpgrade: String?
    /// Whether the request asks for a WebSocket upgrade (on HTTP/1.1).
    var isWebSocket = false
    /// Whether the response body goes to the client in chunks of the proxy's own (an
    /// HTTP/1.1 client, an endpoint whose body lasts until it closes).
    var chunksBody = false
    /// The last connection failure, for the status when every endpoint failed.
    var lastFailure: ConnectFailure?

    /// Why connecting failed.
    enum ConnectFailure {
        case refused
        case timedOut
    }

    /// Keeps a part just sent, while the parts kept stay under ``replayLimit``.
    func keepForReplay(_ part: UpstreamRequestPart) {
        guard replay != nil else { return }
        switch part {
        case .end(let trailers):
            replayEnd = .some(trailers)
            return
        case .body(let buffer):
            replayBytes += buffer.readableBytes
        }
        if replayBytes > Self.replayLimit { forgetReplay() } else { replay?.append(part) }
    }

    /// The parts kept for a replay, in the order sent.
    var replayParts: [UpstreamRequestPart] {
        guard let replay else { return [] }
        guard let end = replayEnd else { return replay }
        return replay + [.end(end)]
    }

    /// Keeps nothing more: a response came, or the request is too large to send again.
    func forgetReplay() {
        replay = nil
        replayEnd = nil
    }

    init(head: HTTPRequestHead, headerBytes: Int, route: IngressRoute, upstream: IngressUpstream, startedAt: NIODeadline) {
        self.head = head
        self.headerBytes = headerBytes
        self.route = route
        self.upstream = upstream
        self.keepAlive = head.isKeepAlive
        self.startedAt = startedAt
        webSocketUpgrade = ForwardedHeaders.webSocketUpgrade(head.headers)
    }
}
