import IngressProxy
import ServiceModel
import Testing

/// What a backend resolves to: the Service port by number or name, the ready endpoints
/// (the serving terminating ones when none is ready), and why not when it cannot.
@Suite struct IngressRouteTableTests {
    static func cluster(port: String, endpoints: String, type: String = "ClusterIP") -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web, namespace: prod}
        spec:
          defaultBackend: {service: {name: web, port: {\(port)}}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: prod}
        spec:
          type: \(type)
          clusterIP: 10.96.0.10
          ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}, {name: admin, port: 9000, protocol: TCP}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-1, namespace: prod, labels: {kubernetes.io/service-name: web}}
        addressType: IPv4
        ports: [{name: http, port: 8080, protocol: TCP}, {name: admin, port: 9090, protocol: TCP}]
        endpoints:
        \(endpoints)
        """
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var port = "number: 80"
        var endpoints: String
        var type = "ClusterIP"
        /// The endpoints chosen, or the reason none are.
        var outcome: String
    }

    static let ready = "- {addresses: [10.180.0.1], conditions: {ready: true}}\n"
    static let terminating = "- {addresses: [10.180.0.2], conditions: {ready: false, serving: true, terminating: true}}\n"
    static let notReady = "- {addresses: [10.180.0.3], conditions: {ready: false, serving: false}}\n"

    static let rows = [
        Row(testDescription: "ready ones only", endpoints: ready + terminating + notReady, outcome: "10.180.0.1:8080"),
        Row(testDescription: "serving terminating when none is ready", endpoints: terminating + notReady, outcome: "10.180.0.2:8080"),
        Row(testDescription: "none serving", endpoints: notReady, outcome: "no endpoints for prod-web-80"),
        Row(testDescription: "port by name", port: "name: admin", endpoints: ready, outcome: "10.180.0.1:9090"),
        Row(testDescription: "unknown port", port: "number: 81", endpoints: ready, outcome: "Service prod/web has no TCP port 81"),
        Row(testDescription: "ExternalName", endpoints: ready, type: "ExternalName",
            outcome: "Service prod/web is of type ExternalName, which is not proxied"),
    ]

    @Test(arguments: rows)
    func resolves(_ row: Row) throws {
        var yaml = Self.cluster(port: row.port, endpoints: row.endpoints, type: row.type)
        if row.type == "ExternalName" { yaml = yaml.replacingOccurrences(of: "clusterIP: 10.96.0.10", with: "externalName: web.example.com") }
        let table = IngressRouteTable(try ManifestLoader.load(bytes: Array(yaml.utf8), file: "cluster.yaml"))
        switch table.decide(host: "a.example.com", path: "/") {
        case .forward(_, let upstream): #expect(upstream.endpoints.map(\.description).joined(separator: ",") == row.outcome)
        case .unavailable(_, let reason): #expect(reason == row.outcome)
        case .noRoute: Issue.record("no route")
        }
    }

    @Test func theDefaultClassIsServedWhenNoneIsNamed() throws {
        let yaml = """
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata: {name: nginx, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
            spec: {controller: k8s.io/ingress-nginx}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: other, namespace: prod}
            spec: {ingressClassName: other, defaultBackend: {service: {name: other, port: {number: 80}}}}
            """
        let manifests = try ManifestLoader.load(bytes: Array(yaml.utf8), file: "cluster.yaml")
        #expect(IngressRouteTable(manifests).className == "nginx")
        #expect(IngressRouteTable(manifests).decide(host: "a", path: "/") == .noRoute)
        #expect(IngressRouteTable(manifests, className: "other").decide(host: "a", path: "/") != .noRoute)
    }
}
