import Prometheus

/// The proxy's metrics under ingress-nginx's names, types and buckets where they apply:
/// per request, `nginx_ingress_controller_requests` and the histograms of
/// `..._request_duration_seconds`, `..._request_size` and `..._response_size`, labelled by
/// the controller (``IngressController``), the Ingress, its namespace, the Service, the
/// status, the method, and the rule's host and path that matched (empty for requests no
/// rule took).
public final class IngressMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let controller: IngressController

    /// ingress-nginx's duration buckets, in seconds.
    static let durationBuckets: [Duration] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000].map { .milliseconds($0) }
    /// ingress-nginx's size buckets (Prometheus' exponential 10 × 10^k), in bytes.
    static let sizeBuckets: [Double] = (0..<7).map { 10 * pow10($0) }

    private static func pow10(_ exponent: Int) -> Double {
        (0..<exponent).reduce(1) { product, _ in product * 10 }
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), controller: IngressController = IngressController()) {
        self.registry = registry
        self.controller = controller
    }

    /// The labels of one series.
    struct SeriesKey: Hashable {
        var ingress: String
        var namespace: String
        var service: String
        var status: Int
        var method: String
        var host: String
        var path: String

        init(_ record: RequestRecord) {
            ingress = record.route?.ingress.name ?? ""
            namespace = record.route?.ingress.namespace ?? ""
            service = record.service ?? ""
            status = Int(record.status.code)
            method = record.head.method.rawValue
            switch record.route?.match {
            case .path(let host, let path, _)?:
                self.host = host ?? ""
                self.path = path
            case .defaultBackend?, nil:
                host = ""
                path = ""
            }
        }

        var labels: [(String, String)] {
            [("host", host), ("ingress", ingress), ("method", method), ("namespace", namespace), ("path", path),
             ("service", service), ("status", String(status))]
        }
    }

    /// The collectors of one series.
    struct Series {
        let requests: Counter
        let duration: DurationHistogram
        let requestSize: ValueHistogram
        let responseSize: ValueHistogram
    }

    func series(_ key: SeriesKey) -> Series {
        let labels = controller.labels + key.labels
        func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: "nginx_ingress_controller_" + name, unitName: "", helpText: help)
        }
        return Series(
            requests: registry.makeCounter(descriptor: descriptor("requests", "The total number of client requests"),
                                           labels: labels),
            duration: registry.makeDurationHistogram(
                descriptor: descriptor("request_duration_seconds", "The request processing time in seconds"),
                labels: labels, buckets: Self.durationBuckets),
            requestSize: registry.makeValueHistogram(descriptor: descriptor("request_size", "The request length (including headers and body)"),
                                                     labels: labels, buckets: Self.sizeBuckets),
            responseSize: registry.makeValueHistogram(descriptor: descriptor("response_size", "The response length (body only)"),
                                                      labels: labels, buckets: Self.sizeBuckets))
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
