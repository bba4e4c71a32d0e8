import ProxyRuntime

/// kube-proxy's metrics server: `/metrics` (Prometheus text), `/proxyMode` and `/healthz`.
public struct MetricsEndpoints: Sendable {
    public let metrics: ProxyMetrics

    public init(metrics: ProxyMetrics) {
        self.metrics = metrics
    }

    public func answer(_ path: String) -> HTTPReply {
        switch path {
        case "/metrics":
            return HTTPReply(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                             body: metrics.exposition())
        case "/proxyMode":
            return .text(200, "iptables")
        case "/healthz":
            return .text(200, "ok")
        default:
            return .text(404, "404 page not found\n")
        }
    }
}
