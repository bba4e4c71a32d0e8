import NIOHTTP1
import ServiceModel

/// What became of one request: what the access log writes and the metrics count.
struct RequestRecord {
    var client: String
    var head: HTTPRequestHead
    var status: HTTPResponseStatus
    var bodyBytesSent: Int
    var requestBytes: Int
    var seconds: Double
    /// The rule that took the request, if one did.
    var route: IngressRoute?
    /// Where it went (named only when the access log writes it).
    var upstream: IngressUpstream?
    var upstreamAddress: UpstreamAddress?
    var upstreamStatus: HTTPResponseStatus?
    /// The Service requests went to.
    var service: String?
}
