import AsyncHTTPClient
import Foundation
import KProxyTestSupport
import Logging
import ProxyAgent
@testable import ProxyRuntime
import ServiceModel
import Testing

/// The agent's HTTP endpoints, served for real on loopback: what kube-proxy's answer.
@Suite struct AgentEndpointTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// GETs `path` on 127.0.0.1:`port`: the status, the headers and the body.
    static func get(_ port: Int, _ path: String) async throws -> (status: Int, headers: [String: String], body: String) {
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        var body = try await response.body.collect(upTo: 1 << 20)
        let headers = Dictionary(response.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        return (Int(response.status.code), headers, body.readString(length: body.readableBytes) ?? "")
    }

    struct HealthCase: Sendable, CustomTestStringConvertible {
        var path: String
        var stale: Bool
        var nodeDeleting: Bool
        var status: Int
        var testDescription: String { "\(path) stale:\(stale) deleting:\(nodeDeleting) → \(status)" }
    }

    @Test(arguments: [
        HealthCase(path: "/healthz", stale: false, nodeDeleting: false, status: 200),
        HealthCase(path: "/healthz", stale: true, nodeDeleting: false, status: 503),
        HealthCase(path: "/healthz", stale: false, nodeDeleting: true, status: 503),
        HealthCase(path: "/livez", stale: false, nodeDeleting: true, status: 200),
        HealthCase(path: "/livez", stale: true, nodeDeleting: false, status: 503),
    ])
    func healthAnswersAsKubeProxyDoes(_ health: HealthCase) async throws {
        let metrics = ProxyMetrics(family: .ipv4)
        let state = ProxyHealth(timeout: .seconds(60))
        state.updated(stillPending: health.stale ? .now - .seconds(61) : nil)
        state.setNodeEligible(!health.nodeDeleting)
        let endpoints = HealthEndpoints(health: state, metrics: metrics)
        let server = try await HTTPEndpointServer.start(BindAddress("127.0.0.1:0")!) { endpoints.answer($0) }
        defer { Task { await server.stop() } }
        let (status, headers, body) = try await Self.get(server.port, health.path)
        #expect(status == health.status)
        #expect(headers["Content-Type"] == "application/json")
        #expect(headers["X-Content-Type-Options"] == "nosniff")
        #expect(body.contains(#""lastUpdated": "20"#))
        #expect(body.contains(#""currentTime": "20"#))
        #expect(body.contains(#""nodeEligible""#) == (health.path == "/healthz"))
        let counter = health.path == "/livez" ? "kubeproxy_proxy_livez_total" : "kubeproxy_proxy_healthz_total"
        #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains(#"\#(counter){code="\#(health.status)"} 1"#))
    }

    @Test func metricsAreServedWithKubeProxysNamesAndBuckets() async throws {
        let metrics = ProxyMetrics(family: .ipv4)
        metrics.syncDuration.record(.milliseconds(3))
        let server = try await HTTPEndpointServer.start(BindAddress("127.0.0.1:0")!) { MetricsEndpoints(metrics: metrics).answer($0) }
        defer { Task { await server.stop() } }
        let (status, headers, body) = try await Self.get(server.port, "/metrics")
        #expect(status == 200)
        #expect(headers["Content-Type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        for line in [
            "# TYPE kubeproxy_sync_proxy_rules_duration_seconds histogram",
            #"kubeproxy_sync_proxy_rules_duration_seconds_bucket{ip_family="IPv4",le="0.002"} 0"#,
            #"kubeproxy_sync_proxy_rules_duration_seconds_bucket{ip_family="IPv4",le="0.004"} 1"#,
            #"kubeproxy_sync_proxy_rules_duration_seconds_bucket{ip_family="IPv4",le="16.384"} 1"#,
            #"kubeproxy_network_programming_duration_seconds_bucket{ip_family="IPv4",le="0.25"} 0"#,
            #"kubeproxy_network_programming_duration_seconds_bucket{ip_family="IPv4",le="300.0"} 0"#,
            "# TYPE kubeproxy_sync_proxy_rules_endpoint_changes_total counter",
            #"kubeproxy_sync_proxy_rules_no_local_endpoints_total{ip_family="IPv4",traffic_policy="external"} 0"#,
            #"kubeproxy_sync_proxy_rules_iptables_total{ip_family="IPv4",table="nat"} 0"#,
        ] {
            #expect(body.contains(line), "missing: \(line)")
        }
        #expect(try await Self.get(server.port, "/proxyMode").body == "iptables")
    }

    @Test func healthCheckNodePortsOpenAnswerAndClose() async throws {
        let health = ProxyHealth(timeout: .seconds(60))
        let ports = HealthCheckNodePorts(addresses: { [IPAddress("127.0.0.1")!] }, health: health, logger: Self.logger)
        let port = Int.random(in: 40000..<50000)
        let web = NamespacedName(namespace: "prod", name: "web")
        await ports.reconcile([HealthCheckService(service: web, port: port, localEndpoints: 2)])
        let (status, headers, body) = try await Self.get(port, "/any/path")
        #expect(status == 200)
        #expect(headers["Content-Type"] == "application/json")
        #expect(body == "{\n\t\"service\": {\n\t\t\"namespace\": \"prod\",\n\t\t\"name\": \"web\"\n\t},\n\t\"localEndpoints\": 2,\n\t\"serviceProxyHealthy\": true\n}")
        await ports.reconcile([HealthCheckService(service: web, port: port, localEndpoints: 0)])
        #expect(try await Self.get(port, "/").status == 503)
        await ports.reconcile([])
        await #expect(throws: (any Error).self) { _ = try await Self.get(port, "/") }
    }
}
