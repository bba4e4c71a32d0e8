import NIOCore
import NIOHTTP1

/// The metrics listener's answers, as ingress-nginx's: `/metrics` (Prometheus text) and
/// `/healthz`.
final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: IngressMetrics
    private var path: String?

    init(metrics: IngressMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): path = String(head.uri.prefix { $0 != "?" })
        case .body: break
        case .end:
            let (status, contentType, body): (HTTPResponseStatus, String, [UInt8]) = switch path {
            case "/metrics": (.ok, "text/plain; version=0.0.4; charset=utf-8", metrics.exposition())
            case "/healthz": (.ok, "text/plain; charset=utf-8", Array("ok".utf8))
            default: (.notFound, "text/plain; charset=utf-8", Array("404 page not found\n".utf8))
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Content-Length", value: String(body.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
