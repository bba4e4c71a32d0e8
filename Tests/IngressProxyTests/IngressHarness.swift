import IngressProxy
import KProxyTestSupport
import Logging
import ServiceModel

/// A proxy on a loopback port in front of test backends: each Service of `services` gets
/// its backends as endpoints (one EndpointSlice each), and the Ingresses of
/// `ingressYAML` route to them.
struct IngressHarness {
    let proxy: IngressProxyServer
    let backends: [String: [TestBackend]]

    /// One Ingress whose default backend, Service `service` port 80, takes every request.
    static func catchAll(_ service: String) -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: all, namespace: prod}
        spec:
          defaultBackend: {service: {name: \(service), port: {number: 80}}}
        """
    }

    /// Runs `body` with a started harness, and stops it afterwards, whatever happened.
    static func with(ingressYAML: String, services: [String: Int], limits: IngressProxyLimits = IngressProxyLimits(),
                     className: String? = nil, https: Bool = false,
                     _ body: (IngressHarness) async throws -> Void) async throws {
        let harness = try await start(ingressYAML: ingressYAML, services: services, limits: limits, className: className,
                                      https: https)
        do {
            try await body(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    /// Starts `count` backends for each Service name, and the proxy.
    static func start(ingressYAML: String, services: [String: Int], limits: IngressProxyLimits = IngressProxyLimits(),
                      className: String? = nil, https: Bool = false) async throws -> IngressHarness {
        var backends: [String: [TestBackend]] = [:]
        for (service, count) in services.sorted(by: { $0.key < $1.key }) {
            backends[service] = []
            for index in 0..<count { backends[service, default: []].append(try await TestBackend.start("\(service)-\(index)")) }
        }
        let manifests = try ManifestLoader.load(bytes: Array(Self.cluster(ingressYAML, backends).utf8), file: "cluster.yaml")
        var configuration = IngressProxyServer.Configuration()
        configuration.host = "127.0.0.1"
        configuration.httpPort = 0
        configuration.httpsPort = https ? 0 : nil
        configuration.metricsPort = 0
        configuration.threads = 1
        configuration.limits = limits
        let proxy = try await IngressProxyServer.start(IngressRouteTable(manifests, className: className),
                                                       configuration: configuration,
                                                       logger: Logger(label: "ingress") { _ in SwiftLogNoOpLogHandler() })
        return IngressHarness(proxy: proxy, backends: backends)
    }

    /// The cluster's YAML: the Ingresses, then a Service and slices for each backend group.
    static func cluster(_ ingressYAML: String, _ backends: [String: [TestBackend]], in namespace: String = "prod") -> String {
        var text = ingressYAML
        for (index, (service, group)) in backends.sorted(by: { $0.key < $1.key }).enumerated() {
            text += """

                ---
                apiVersion: v1
                kind: Service
                metadata: {name: \(service), namespace: \(namespace)}
                spec:
                  clusterIP: 10.96.0.\(index + 10)
                  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]

                """
            for (position, backend) in group.enumerated() {
                text += """
                    ---
                    apiVersion: discovery.k8s.io/v1
                    kind: EndpointSlice
                    metadata: {name: \(service)-\(position), namespace: \(namespace), labels: {kubernetes.io/service-name: \(service)}}
                    addressType: IPv4
                    ports: [{name: http, port: \(backend.port), protocol: TCP}]
                    endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]

                    """
            }
        }
        return text
    }

    /// The table for the same Ingresses with only `backends` as endpoints.
    func table(_ ingressYAML: String, with backends: [String: [TestBackend]]) throws -> IngressRouteTable {
        IngressRouteTable(try ManifestLoader.load(bytes: Array(Self.cluster(ingressYAML, backends).utf8), file: "cluster.yaml"))
    }

    /// One request on a new connection: `GET path` to `host`.
    func get(_ host: String, _ path: String, headers: [String] = []) throws -> RawHTTPConnection.Response {
        let connection = try RawHTTPConnection(port: proxy.httpPort)
        try connection.send("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n")
        return try connection.response()
    }

    func stop() async {
        await proxy.stop()
        for group in backends.values { for backend in group { await backend.stop() } }
    }
}
