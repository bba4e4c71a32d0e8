import IngressProxy
import KProxyTestSupport
import Testing

/// What the proxy answers itself when a request cannot be served: 404 when nothing
/// matches, 503 when the backend has nowhere to send it, 502 when its endpoint refuses,
/// 504 when it does not answer in time; each with a short body naming the status.
@Suite struct StatusTests {
    static let ingress = """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: statuses, namespace: prod}
        spec:
          rules:
          - host: a.example.com
            http:
              paths:
              - {path: /live, pathType: Prefix, backend: {service: {name: live, port: {number: 80}}}}
              - {path: /empty, pathType: Prefix, backend: {service: {name: empty, port: {number: 80}}}}
              - {path: /missing, pathType: Prefix, backend: {service: {name: missing, port: {number: 80}}}}
              - {path: /wrong-port, pathType: Prefix, backend: {service: {name: live, port: {number: 81}}}}
              - {path: /gone, pathType: Prefix, backend: {service: {name: gone, port: {number: 80}}}}
              - {path: /silent, pathType: Prefix, backend: {service: {name: live, port: {number: 80}}}}
        """

    struct Row: Sendable, CustomTestStringConvertible {
        var host = "a.example.com"
        var path: String
        var status: Int
        var testDescription: String { "\(host)\(path) → \(status)" }
    }

    static let rows = [
        Row(path: "/live", status: 200),
        Row(path: "/nothing", status: 404),
        Row(host: "b.example.com", path: "/live", status: 404),
        Row(path: "/empty", status: 503),
        Row(path: "/missing", status: 503),
        Row(path: "/wrong-port", status: 503),
        Row(path: "/gone", status: 502),
        Row(path: "/silent", status: 504),
    ]

    @Test(arguments: rows)
    func answersWhatCannotBeServed(_ row: Row) async throws {
        var limits = IngressProxyLimits()
        limits.readTimeout = .milliseconds(300)
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["live": 1, "empty": 0, "gone": 1],
                                      limits: limits) { harness in
            try await harness.backends["gone"]?.first?.refuseConnections()
            let response = try harness.get(row.host, row.path)
            #expect(response.status == row.status, "\(response.text)")
            if row.status != 200 {
                #expect(response.text.hasPrefix("\(row.status) "), "\(response.text)")
                #expect(response.header("content-type") == "text/plain; charset=utf-8")
            }
        }
    }

    /// A refused connection is tried on the next endpoint: the client never sees the
    /// refusal, and the refusing endpoint is passed over afterwards.
    @Test func aRefusingEndpointIsPassedOver() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["live": 2]) { harness in
            try await harness.backends["live"]?[1].refuseConnections()
            var statuses: [Int: Int] = [:]
            for _ in 0..<10 { statuses[try harness.get("a.example.com", "/live").status, default: 0] += 1 }
            #expect(statuses == [200: 10])
            #expect(harness.backends["live"]?[0].requests == 10)
        }
    }
}
