import NIOCore
import NIOHTTP1
import ServiceModel

/// One request on its way through the proxy: what was decided for it, where it went, and
/// how far each side has got.
final class ProxyExchange {
    let head: HTTPRequestHead
    let route: IngressRoute
    let upstream: IngressUpstream
    /// Whether the client's connection stays open after this response.
    var keepAlive: Bool
    let startedAt: NIODeadline
    /// The endpoints tried so far, and the one in use.
    var tried: Set<UpstreamAddress> = []
    var address: UpstreamAddress?
    var connection: UpstreamHandler?
    /// Whether ``connection`` came from the pool (it may have been closed by the endpoint
    /// just before use, which a fresh connection then retries).
    var reused = false
    /// Request parts read before a connection was ready.
    var buffered: [HTTPClientRequestPart] = []
    /// Whether the whole request was read from the client.
    var requestEnded = false
    /// The request parts sent so far, kept while they are few, to send again when a
    /// reused connection turns out closed; `nil` once too large or once a response came.
    var replay: [HTTPClientRequestPart]? = []
    private var replayBytes = 0
    /// The most request body bytes kept for a replay.
    static let replayLimit = 64 * 1024
    var requestBodyBytes = 0
    /// The endpoint's response status once its head arrived.
    var status: HTTPResponseStatus?
    var upstreamKeepAlive = true
    var responseBodyBytes = 0
    /// Whether the request asks for a WebSocket upgrade (on HTTP/1.1), and whether the
    /// endpoint accepted it (its `101` is on the way to the client).
    var isWebSocket = false
    var upgrading = false
    /// The last connection failure, for the status when every endpoint failed.
    var lastFailure: ConnectFailure?

    /// Why connecting failed.
    enum ConnectFailure {
        case refused
        case timedOut
    }

    /// Keeps a part just sent, while the parts kept stay under ``replayLimit``.
    func keepForReplay(_ part: HTTPClientRequestPart) {
        guard replay != nil else { return }
        if case .body(.byteBuffer(let buffer)) = part { replayBytes += buffer.readableBytes }
        if replayBytes > Self.replayLimit { replay = nil } else { replay?.append(part) }
    }

    init(head: HTTPRequestHead, route: IngressRoute, upstream: IngressUpstream, startedAt: NIODeadline) {
        self.head = head
        self.route = route
        self.upstream = upstream
        self.keepAlive = head.isKeepAlive
        self.startedAt = startedAt
    }
}
