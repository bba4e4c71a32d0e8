import Foundation
import KProxyTestSupport
import KubernetesClient
import LocalAPIServer
import Logging
import ServiceModel
import Synchronization
import Testing

/// What an Ingress proxy gets from the API server: every Service and EndpointSlice (also
/// those kube-proxy leaves out), the Ingresses and classes, the TLS Secrets only; nothing
/// before every collection is listed, then the whole input again after each change.
@Suite struct IngressInputSourceTests {
    static let objects: [ServedObject] = [
        .ingressClass("nginx", isDefault: true),
        .ingress("shop", host: "shop.example.com", service: "web", port: 80, tlsSecret: "shop-tls"),
        .service("web", clusterIP: "10.96.0.10"),
        .service("headless", clusterIP: "None"),
        .service("elsewhere", clusterIP: "10.96.0.11", labels: ["service.kubernetes.io/service-proxy-name": "other"]),
        .endpointSlice("web-1", service: "web", endpoints: [("10.180.0.1", "node-a")]),
        .endpointSlice("headless-1", service: "headless", endpoints: [("10.180.0.9", "node-b")],
                       labels: ["service.kubernetes.io/headless": ""]),
        .tlsSecret("shop-tls", certificatePEM: "-", keyPEM: "-"),
        opaqueSecret,
    ]

    /// A Secret that is not `kubernetes.io/tls`: never asked for.
    static var opaqueSecret: ServedObject {
        var secret = ServedObject.tlsSecret("password", certificatePEM: "-", keyPEM: "-")
        secret.fields["type"] = "Opaque"
        secret.body["type"] = .string("Opaque")
        return secret
    }

    /// The names in one delivered input, kind by kind.
    static func names(_ manifests: Manifests) -> [String: [String]] {
        [
            "Ingress": manifests.ingresses.map(\.metadata.name), "IngressClass": manifests.ingressClasses.map(\.metadata.name),
            "Service": manifests.services.map(\.metadata.name), "EndpointSlice": manifests.endpointSlices.map(\.metadata.name),
            "Secret": manifests.secrets.map(\.metadata.name),
        ]
    }

    @Test func handsOnTheWholeInputOnceListedThenAfterEachChange() async throws {
        let server = try await LoopbackAPIServer.start()
        for object in Self.objects { server.apply(object) }
        server.failNext("/apis/networking.k8s.io/v1/ingresses", status: 503, count: 2)
        let client = try APIClient(connection: ReflectorTests.connection(to: server), qps: 0, burst: 1)
        let received = Mutex<[Manifests]>([])
        let source = IngressInputSource(client: client, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let task = Task(executorPreference: TestExecutor.shared) {
            try await source.run { manifests in received.withLock { $0.append(manifests) } }
        }
        try await withTaskExecutorPreference(TestExecutor.shared) {
            try await eventually(seconds: 30) { received.withLock { !$0.isEmpty } }
            let first = try #require(received.withLock { $0.first })
            #expect(Self.names(first) == [
                "Ingress": ["shop"], "IngressClass": ["nginx"], "Service": ["elsewhere", "headless", "web"],
                "EndpointSlice": ["headless-1", "web-1"], "Secret": ["shop-tls"],
            ])
            let secretLists = server.requests.filter { $0.path == "/api/v1/secrets" }
            #expect(!secretLists.isEmpty && secretLists.allSatisfy { $0.query["fieldSelector"] == "type=kubernetes.io/tls" })

            try await eventually(seconds: 30) { server.openWatches == IngressInputSource.resources.count }
            server.delete(.service("headless", clusterIP: "None"))
            try await eventually(seconds: 30) { received.withLock { $0.last.map { Self.names($0)["Service"] } } == ["elsewhere", "web"] }
        }
        task.cancel()
        _ = await task.result
        await client.shutdown()
        await server.stop()
    }
}
