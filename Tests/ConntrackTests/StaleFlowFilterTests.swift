import Conntrack
import ServiceModel
import Testing

/// Which tracked flows are stale, by kube-proxy's rule, for a cluster of a UDP DNS service
/// with every kind of frontend, a TCP service, a UDP service without endpoints and an SCTP
/// service.
@Suite struct StaleFlowFilterTests {
    static let cluster = """
        apiVersion: v1
        kind: Service
        metadata: {name: dns, namespace: kube-system}
        spec:
          type: LoadBalancer
          clusterIP: 10.96.0.10
          clusterIPs: [10.96.0.10]
          externalIPs: [192.0.2.5]
          ports: [{name: dns, port: 53, targetPort: 5353, protocol: UDP, nodePort: 30053}]
        status:
          loadBalancer:
            ingress: [{ip: 203.0.113.7}, {ip: 203.0.113.8, ipMode: Proxy}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: dns-1, namespace: kube-system, labels: {kubernetes.io/service-name: dns}}
        addressType: IPv4
        endpoints:
        - {addresses: [10.244.1.10], conditions: {ready: true}}
        - {addresses: [10.244.1.11], conditions: {ready: false, serving: false}}
        - {addresses: [10.244.1.12], conditions: {ready: false, serving: true, terminating: true}}
        ports: [{name: dns, port: 5353, protocol: UDP}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: prod}
        spec:
          clusterIP: 10.96.0.20
          clusterIPs: [10.96.0.20]
          ports: [{port: 80, protocol: TCP}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-1, namespace: prod, labels: {kubernetes.io/service-name: web}}
        addressType: IPv4
        endpoints: [{addresses: [10.244.2.1], conditions: {ready: true}}]
        ports: [{port: 80, protocol: TCP}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: empty, namespace: prod}
        spec:
          clusterIP: 10.96.0.30
          clusterIPs: [10.96.0.30]
          ports: [{port: 53, protocol: UDP}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: signal, namespace: prod}
        spec:
          clusterIP: 10.96.0.40
          clusterIPs: [10.96.0.40]
          ports: [{port: 9000, protocol: SCTP}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: signal-1, namespace: prod, labels: {kubernetes.io/service-name: signal}}
        addressType: IPv4
        endpoints: [{addresses: [10.244.3.1], conditions: {ready: true}}]
        ports: [{port: 9000, protocol: SCTP}]
        """

    struct Flow: Sendable, CustomTestStringConvertible {
        var why: String
        var `protocol`: L4Protocol = .udp
        var destination: String
        var port: Int
        var replySource: String
        var stale: Bool
        var testDescription: String { why }
    }

    static let flows: [Flow] = [
        Flow(why: "to a serving endpoint", destination: "10.96.0.10", port: 53, replySource: "10.244.1.10", stale: false),
        Flow(why: "to a terminating endpoint that still serves", destination: "10.96.0.10", port: 53,
             replySource: "10.244.1.12", stale: false),
        Flow(why: "to an endpoint that is gone", destination: "10.96.0.10", port: 53, replySource: "10.244.9.9", stale: true),
        Flow(why: "to an endpoint that no longer serves", destination: "10.96.0.10", port: 53, replySource: "10.244.1.11",
             stale: true),
        Flow(why: "never translated (sent while there were no endpoints)", destination: "10.96.0.10", port: 53,
             replySource: "10.96.0.10", stale: true),
        Flow(why: "through an external IP", destination: "192.0.2.5", port: 53, replySource: "10.244.9.9", stale: true),
        Flow(why: "through a load-balancer IP", destination: "203.0.113.7", port: 53, replySource: "10.244.9.9", stale: true),
        Flow(why: "through a Proxy-mode load-balancer IP (not ours)", destination: "203.0.113.8", port: 53,
             replySource: "10.244.9.9", stale: false),
        Flow(why: "through the NodePort at any address", destination: "10.0.0.1", port: 30053, replySource: "10.244.9.9",
             stale: true),
        Flow(why: "to another port of the cluster IP", destination: "10.96.0.10", port: 54, replySource: "10.244.9.9",
             stale: false),
        Flow(why: "to a service without endpoints", destination: "10.96.0.30", port: 53, replySource: "10.244.9.9",
             stale: false),
        Flow(why: "SCTP to an endpoint that is gone", protocol: .sctp, destination: "10.96.0.40", port: 9000,
             replySource: "10.244.9.9", stale: true),
        Flow(why: "UDP to the SCTP service's port", destination: "10.96.0.40", port: 9000, replySource: "10.244.9.9",
             stale: false),
    ]

    static func servicePorts() throws -> [ServicePortEndpoints] {
        let manifests = try ManifestLoader.load(bytes: Array(cluster.utf8), file: "cluster.yaml")
        return ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices).servicePorts
    }

    @Test(arguments: flows)
    func flowIsStale(_ flow: Flow) throws {
        let entry = ConntrackEntry(protocol: flow.protocol, originalSource: try #require(IPAddress("10.244.5.5")),
                                   originalSourcePort: 40000, originalDestination: try #require(IPAddress(flow.destination)),
                                   originalDestinationPort: flow.port, replySource: try #require(IPAddress(flow.replySource)))
        #expect(StaleFlowFilter(try Self.servicePorts(), family: .ipv4).isStale(entry) == flow.stale)
    }

    @Test func onlyTCPServicesLeaveNothingToLookFor() throws {
        let ports = try Self.servicePorts()
        #expect(StaleFlowFilter(ports.filter { $0.port.protocol == .tcp }, family: .ipv4).isEmpty)
        #expect(StaleFlowFilter(ports, family: .ipv6).isEmpty)
        #expect(!StaleFlowFilter(ports, family: .ipv4).isEmpty)
    }
}
