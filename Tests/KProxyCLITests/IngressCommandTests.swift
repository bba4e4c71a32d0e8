import Foundation
import KProxyTestSupport
import LocalAPIServer
import Testing

/// `kproxy-iptables ingress` serving by files: requests routed to live endpoints, the
/// files followed as they change, or the API server followed; invalid input refused at
/// start and ignored later; SIGTERM a clean stop.
@Suite struct IngressCommandTests {
    static func cluster(backendPort: Int, host: String = "shop.example.com") -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web, namespace: prod}
        spec:
          rules:
          - host: \(host)
            http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: prod}
        spec:
          clusterIP: 10.96.0.10
          ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-1, namespace: prod, labels: {kubernetes.io/service-name: web}}
        addressType: IPv4
        ports: [{name: http, port: \(backendPort), protocol: TCP}]
        endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]

        """
    }

    /// The port the command logged it listens on (`HTTP` or `HTTPS (HTTP/2 and HTTP/1.1)`).
    static func listeningPort(_ log: String, _ listener: String = "HTTP") -> Int? {
        guard let range = log.range(of: "serving \(listener) on 127.0.0.1:") else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    struct NotServing: Error, CustomStringConvertible {
        var log: String
        var description: String { "the proxy did not start serving:\n\(log)" }
    }

    /// The command on 127.0.0.1 (any free ports, HTTPS and metrics too) reading `input`,
    /// logging into `directory`; once it serves HTTPS, with its HTTP port.
    static func startProxy(_ input: [String], logIn directory: URL, environment: [String: String] = [:]) throws
        -> (BackgroundCLI, port: Int) {
        let proxy = try BackgroundCLI(["ingress"] + input + ["--address", "127.0.0.1", "--http-port", "0", "--https-port", "0",
                                                              "--metrics-port", "0"],
                                      in: nil, log: directory.appendingPathComponent("log").path, environment: environment)
        guard proxy.waitFor("serving HTTPS"), let port = listeningPort(proxy.log) else {
            proxy.stop()
            throw NotServing(log: proxy.log)
        }
        return (proxy, port)
    }

    static func status(port: Int, host: String) throws -> (Int, String) {
        let connection = try RawHTTPConnection(port: port)
        try connection.send("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n")
        let response = try connection.response()
        return (response.status, response.header("x-backend") ?? "")
    }

    @Test func servesByItsFilesAndFollowsThem() async throws {
        let first = try await TestBackend.start("first")
        let second = try await TestBackend.start("second")
        defer { Task { await first.stop(); await second.stop() } }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cluster.yaml").path
        try Self.cluster(backendPort: first.port).write(toFile: file, atomically: true, encoding: .utf8)
        let (proxy, port) = try Self.startProxy(["-f", directory.path], logIn: directory,
                                                environment: ["POD_NAMESPACE": "prod", "POD_NAME": "ingress-0"])
        defer { proxy.stop() }
        #expect(try Self.status(port: port, host: "shop.example.com") == (200, "first"))
        if NetworkNamespace.which("curl") != nil {
            let tlsPort = try #require(Self.listeningPort(proxy.log, "HTTPS (HTTP/2 and HTTP/1.1)"))
            let https = try Command.run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                                         "--resolve", "shop.example.com:\(tlsPort):127.0.0.1", "https://shop.example.com:\(tlsPort)/"])
            #expect(https.stdout == "200 2", "\(https.stderr)")
        }
        #expect(try Self.status(port: port, host: "other.example.com").0 == 404)
        #expect(proxy.log.contains("\"GET / HTTP/1.1\" 200"), "an access log line per request")
        let metricsPort = try #require(Self.listeningPort(proxy.log, "/metrics"))
        let metrics = try RawHTTPConnection(port: metricsPort)
        try metrics.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try metrics.response().text.contains(
            #"nginx_ingress_controller_requests{controller_class="",controller_namespace="prod",controller_pod="ingress-0",host="shop.example.com",ingress="web""#))

        try Self.cluster(backendPort: second.port).write(toFile: file, atomically: true, encoding: .utf8)
        #expect(proxy.waitFor("the input changed"), "\(proxy.log)")
        #expect(try Self.status(port: port, host: "shop.example.com") == (200, "second"))

        try "kind: Service\nmetadata: {name: broken}\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(proxy.waitFor("the route table in force stays"), "\(proxy.log)")
        #expect(try Self.status(port: port, host: "shop.example.com") == (200, "second"))

        #expect(proxy.terminate() == 0, "SIGTERM stops it: \(proxy.log)")
        #expect(proxy.log.contains("SIGTERM: shutting down; requests in flight get 240 s"), "\(proxy.log)")
        #expect(proxy.log.contains("stopped"))
    }

    /// Without `-f`, the API server's Ingresses, IngressClasses, Services, EndpointSlices and
    /// TLS Secrets (listed, then watched) are what it serves by.
    @Test func followsTheAPIServer() async throws {
        let first = try await TestBackend.start("first")
        let second = try await TestBackend.start("second")
        let server = try await LoopbackAPIServer.start()
        defer { Task { await first.stop(); await second.stop(); await server.stop() } }
        let certificates = try #require(server.certificates)
        server.apply(.ingressClass("nginx", isDefault: true))
        server.apply(.ingress("shop", className: "nginx", host: "shop.example.com", service: "web", port: 80, tlsSecret: "shop-tls"))
        server.apply(.ingress("other", className: "another-class", host: "other.example.com", service: "web", port: 80))
        server.apply(.service("web", clusterIP: "10.96.0.10"))
        server.apply(.endpointSlice("web-1", service: "web", endpoints: [("127.0.0.1", "node-a")], port: ("", first.port)))
        server.apply(.tlsSecret("shop-tls", certificatePEM: certificates.serverCertificatePEM, keyPEM: certificates.serverKeyPEM))
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let kubeconfig = directory.appendingPathComponent("kubeconfig").path
        try server.kubeconfig.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let (proxy, port) = try Self.startProxy(["--kubeconfig", kubeconfig], logIn: directory)
        defer { proxy.stop() }
        #expect(try Self.status(port: port, host: "shop.example.com") == (200, "first"))
        #expect(try Self.status(port: port, host: "other.example.com").0 == 404, "another class's Ingress is not served")
        #expect(server.requests.contains { $0.path == "/api/v1/secrets" && $0.query["fieldSelector"] == "type=kubernetes.io/tls" })
        if NetworkNamespace.which("curl") != nil {
            let tlsPort = try #require(Self.listeningPort(proxy.log, "HTTPS (HTTP/2 and HTTP/1.1)"))
            let https = try Command.run(["curl", "-sk", "-v", "-o", "/dev/null", "--resolve", "shop.example.com:\(tlsPort):127.0.0.1",
                                         "https://shop.example.com:\(tlsPort)/"])
            #expect(https.stderr.contains("subject: CN=127.0.0.1"), "the Secret's certificate: \(https.stderr)")
        }

        server.apply(.endpointSlice("web-1", service: "web", endpoints: [("127.0.0.1", "node-a")], port: ("", second.port)))
        #expect(proxy.waitFor("the input changed"), "\(proxy.log)")
        #expect(try Self.status(port: port, host: "shop.example.com") == (200, "second"))
        server.delete(.ingress("shop", className: "nginx", host: "shop.example.com", service: "web", port: 80))
        #expect(proxy.waitFor("the input changed", count: 2), "\(proxy.log)")
        #expect(try Self.status(port: port, host: "shop.example.com").0 == 404)
        #expect(proxy.terminate() == 0, "\(proxy.log)")
    }

    @Test(arguments: [
        ["-f", "k8s/", "--master", "https://127.0.0.1:6443"], ["-f", "k8s/", "--kubeconfig", "kubeconfig"],
        ["--worker-shutdown-timeout", "-1"],
    ])
    func optionsAreChecked(_ options: [String]) throws {
        #expect(try run(["ingress", "--http-port", "0"] + options).status == 64)
    }

    static let invalidInputs = [
        ("a Service port out of range", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 70000}]}\n",
         "spec.ports[0].port: Invalid value: 70000"),
        ("a TLS Secret that does not read",
         cluster(backendPort: 8080).replacingOccurrences(of: "spec:\n  rules:", with: "spec:\n  tls: [{hosts: [shop.example.com], secretName: shop-tls}]\n  rules:")
            + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: shop-tls, namespace: prod}\ntype: kubernetes.io/tls\n"
            + "stringData: {tls.crt: nonsense, tls.key: nonsense}\n",
         "Secret prod/shop-tls: data[tls.crt]: not a PEM certificate chain"),
    ]

    @Test(arguments: invalidInputs.map { $0.0 })
    func invalidInputExitsTwoBeforeListening(_ name: String) throws {
        let (_, yaml, message) = try #require(Self.invalidInputs.first { $0.0 == name })
        try withManifests(["cluster.yaml": yaml]) { directory in
            let result = try run(["ingress", "-f", directory, "--http-port", "0", "--metrics-port", "0"])
            #expect(result.status == 2)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(!result.stderr.contains("serving HTTP"))
        }
    }
}
