import IngressProxy
import KProxyTestSupport
import Testing

/// The metrics ingress-nginx users know, on the metrics port: one series per Ingress,
/// Service, status, method and matched rule, requests the proxy answered itself included.
@Suite struct MetricsTests {
    @Test func requestsAreCountedUnderIngressNginxNames() async throws {
        let ingress = """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: shop, namespace: prod}
            spec:
              rules:
              - host: shop.example.com
                http:
                  paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}
                  - {path: /empty, pathType: Prefix, backend: {service: {name: empty, port: {number: 80}}}}
            """
        try await IngressHarness.with(ingressYAML: ingress, services: ["shop": 1, "empty": 0]) { harness in
            for _ in 0..<3 { #expect(try harness.get("shop.example.com", "/cart").status == 200) }
            #expect(try harness.get("shop.example.com", "/empty").status == 503)
            #expect(try harness.get("other.example.com", "/").status == 404)
            let port = try #require(harness.proxy.metricsPort)
            let connection = try RawHTTPConnection(port: port)
            try connection.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let lines = Set(try connection.response().text.split(separator: "\n").map(String.init))
            let shop = #"controller_class="",controller_namespace="",controller_pod="",host="shop.example.com",ingress="shop",method="GET",namespace="prod",path="/",service="shop",status="200""#
            let empty = #"controller_class="",controller_namespace="",controller_pod="",host="shop.example.com",ingress="shop",method="GET",namespace="prod",path="/empty",service="empty",status="503""#
            let unmatched = #"controller_class="",controller_namespace="",controller_pod="",host="",ingress="",method="GET",namespace="",path="",service="",status="404""#
            for expected in ["nginx_ingress_controller_requests{\(shop)} 3",
                             "nginx_ingress_controller_request_duration_seconds_count{\(shop)} 3",
                             "nginx_ingress_controller_response_size_count{\(shop)} 3",
                             "nginx_ingress_controller_requests{\(empty)} 1",
                             "nginx_ingress_controller_requests{\(unmatched)} 1"] {
                #expect(lines.contains(expected), "\(expected) in \(lines.sorted().filter { $0.hasPrefix("nginx_ingress_controller_requests") })")
            }
        }
    }
}
