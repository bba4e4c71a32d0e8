import KProxyTestSupport
import NftablesBackend
import ProxyCore
import ServiceModel
import Testing

/// kube-proxy's packet-flow expectations for its nftables mode, replayed through our plan of
/// the same input with ``NftPacketTracer``: who sends to which address, which endpoints are
/// reached, and whether the source is masqueraded.
@Suite struct NftFlowParityTests {
    /// One flow: `output` lists the endpoints reached, or `DROP` / `REJECT`.
    struct Flow: Sendable {
        var name: String
        var source: String
        var destination: String
        var port: Int
        var output: String
        var masquerade: Bool
    }

    /// One configuration of the upstream test, with the flows whose outcome it changes.
    struct Variant: Sendable, CustomTestStringConvertible {
        var name: String
        var masqueradeAll: Bool
        var localDetector: Bool
        var masqueradeOverrides: [String: Bool] = [:]
        var outputOverrides: [String: String] = [:]
        var testDescription: String { name }
    }

    static let nodeIP = "192.168.0.2", pod = "10.0.0.2", external = "203.0.113.2"

    /// TestInternalExternalMasquerade's flows (the base case: a detector, no masqueradeAll).
    static let flows: [Flow] = [
        Flow(name: "pod to ClusterIP", source: pod, destination: "172.30.0.41", port: 80, output: "10.180.0.1:80, 10.180.1.1:80", masquerade: false),
        Flow(name: "pod to NodePort", source: pod, destination: nodeIP, port: 3001, output: "10.180.0.1:80, 10.180.1.1:80", masquerade: true),
        Flow(name: "pod to LB", source: pod, destination: "1.2.3.4", port: 80, output: "10.180.0.1:80, 10.180.1.1:80", masquerade: true),
        Flow(name: "node to ClusterIP", source: nodeIP, destination: "172.30.0.41", port: 80, output: "10.180.0.1:80, 10.180.1.1:80", masquerade: true),
        Flow(name: "node to NodePort", source: nodeIP, destination: nodeIP, port: 3001, output: "10.180.0.1:80, 10.180.1.1:80", masquerade: true),
        Flow(name: "node to LB", source: nodeIP, destination: "1.2.3.4", port: 80, output: "10.180.0.1:80, 10.180.1.1:80", masquerade: true),
        Flow(name: "external to ClusterIP", source: external, destination: "172.30.0.41", port: 80, output: "10.180.0.1:80, 10.180.1.1:80", masquerade: true),
        Flow(name: "external to NodePort", source: external, destination: nodeIP, port: 3001, output: "10.180.0.1:80, 10.180.1.1:80", masquerade: true),
        Flow(name: "external to LB", source: external, destination: "1.2.3.4", port: 80, output: "10.180.0.1:80, 10.180.1.1:80", masquerade: true),
        Flow(name: "pod to ClusterIP with eTP:Local", source: pod, destination: "172.30.0.42", port: 80, output: "10.180.0.2:80, 10.180.1.2:80", masquerade: false),
        Flow(name: "pod to NodePort with eTP:Local", source: pod, destination: nodeIP, port: 3002, output: "10.180.0.2:80, 10.180.1.2:80", masquerade: false),
        Flow(name: "pod to LB with eTP:Local", source: pod, destination: "5.6.7.8", port: 80, output: "10.180.0.2:80, 10.180.1.2:80", masquerade: false),
        Flow(name: "node to ClusterIP with eTP:Local", source: nodeIP, destination: "172.30.0.42", port: 80, output: "10.180.0.2:80, 10.180.1.2:80", masquerade: true),
        Flow(name: "node to NodePort with eTP:Local", source: nodeIP, destination: nodeIP, port: 3001, output: "10.180.0.1:80, 10.180.1.1:80", masquerade: true),
        Flow(name: "node to LB with eTP:Local", source: nodeIP, destination: "5.6.7.8", port: 80, output: "10.180.0.2:80, 10.180.1.2:80", masquerade: true),
        Flow(name: "external to ClusterIP with eTP:Local", source: external, destination: "172.30.0.42", port: 80, output: "10.180.0.2:80, 10.180.1.2:80", masquerade: true),
        Flow(name: "external to NodePort with eTP:Local", source: external, destination: nodeIP, port: 3002, output: "10.180.0.2:80", masquerade: false),
        Flow(name: "external to LB with eTP:Local", source: external, destination: "5.6.7.8", port: 80, output: "10.180.0.2:80", masquerade: false),
        Flow(name: "pod to ClusterIP with iTP:Local", source: pod, destination: "172.30.0.43", port: 80, output: "10.180.0.3:80", masquerade: false),
        Flow(name: "pod to NodePort with iTP:Local", source: pod, destination: nodeIP, port: 3003, output: "10.180.0.3:80, 10.180.1.3:80", masquerade: true),
        Flow(name: "pod to LB with iTP:Local", source: pod, destination: "9.10.11.12", port: 80, output: "10.180.0.3:80, 10.180.1.3:80", masquerade: true),
        Flow(name: "node to ClusterIP with iTP:Local", source: nodeIP, destination: "172.30.0.43", port: 80, output: "10.180.0.3:80", masquerade: true),
        Flow(name: "node to NodePort with iTP:Local", source: nodeIP, destination: nodeIP, port: 3003, output: "10.180.0.3:80, 10.180.1.3:80", masquerade: true),
        Flow(name: "node to LB with iTP:Local", source: nodeIP, destination: "9.10.11.12", port: 80, output: "10.180.0.3:80, 10.180.1.3:80", masquerade: true),
        Flow(name: "external to ClusterIP with iTP:Local", source: external, destination: "172.30.0.43", port: 80, output: "10.180.0.3:80", masquerade: true),
        Flow(name: "external to NodePort with iTP:Local", source: external, destination: nodeIP, port: 3003, output: "10.180.0.3:80, 10.180.1.3:80", masquerade: true),
        Flow(name: "external to LB with iTP:Local", source: external, destination: "9.10.11.12", port: 80, output: "10.180.0.3:80, 10.180.1.3:80", masquerade: true),
    ]

    static let toClusterIPFromOutsidePods = ["node to ClusterIP", "node to ClusterIP with eTP:Local", "node to ClusterIP with iTP:Local",
                                             "external to ClusterIP", "external to ClusterIP with eTP:Local",
                                             "external to ClusterIP with iTP:Local"]
    static let podsToClusterIP = ["pod to ClusterIP", "pod to ClusterIP with eTP:Local", "pod to ClusterIP with iTP:Local"]
    static let podsToLocalPolicy = ["pod to NodePort with eTP:Local": "10.180.0.2:80", "pod to LB with eTP:Local": "10.180.0.2:80"]

    static let variants: [Variant] = [
        Variant(name: "base", masqueradeAll: false, localDetector: true),
        Variant(name: "no LocalTrafficDetector", masqueradeAll: false, localDetector: false,
                masqueradeOverrides: Dictionary(uniqueKeysWithValues: toClusterIPFromOutsidePods.map { ($0, false) }),
                outputOverrides: podsToLocalPolicy),
        Variant(name: "masqueradeAll", masqueradeAll: true, localDetector: true,
                masqueradeOverrides: Dictionary(uniqueKeysWithValues: podsToClusterIP.map { ($0, true) })),
        Variant(name: "masqueradeAll, no LocalTrafficDetector", masqueradeAll: true, localDetector: false,
                masqueradeOverrides: Dictionary(uniqueKeysWithValues: podsToClusterIP.map { ($0, true) }),
                outputOverrides: podsToLocalPolicy),
    ]

    @Test(arguments: variants)
    func internalExternalMasquerade(_ variant: Variant) throws {
        let manifests = try ManifestLoader.load(paths: [packagePath("Fixtures/nftables-flows/internal-external-masquerade/cluster.yaml")])
        let node = ProxyNode(try #require(manifests.node(named: "test-node")))
        let configuration = KubeProxyConfiguration(
            clusterCIDRs: variant.localDetector ? [IPPrefix("10.0.0.0/8")!] : [], masqueradeAll: variant.masqueradeAll,
            nodePortAddresses: [.cidr(IPPrefix("192.168.0.2/32")!)])
        let settings = ProxySettings(configuration: configuration, node: node, family: .ipv4)
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                                     localNodeName: node.name)
        let ruleset = NftablesPlanner(settings: settings, serviceCIDRs: manifests.serviceCIDRs.flatMap(\.cidrs)).plan(catalog)
        let tracer = NftPacketTracer(ruleset: ruleset, localAddresses: node.addresses)
        for flow in Self.flows {
            let source = try #require(IPAddress(flow.source))
            let origin: NftTracedPacket.Origin = flow.source == Self.nodeIP ? .thisNode
                : .arriving(interface: flow.source == Self.pod ? "veth0" : "eth0")
            let outcomes = tracer.trace(NftTracedPacket(source: source, destination: try #require(IPAddress(flow.destination)),
                                                        destinationPort: flow.port, origin: origin))
            let expected = variant.outputOverrides[flow.name] ?? flow.output
            let reached = outcomes.map { outcome in
                outcome.verdict == .accept ? outcome.destination.map { "\($0.address):\($0.port)" } ?? "ACCEPT" : outcome.verdict.rawValue
            }
            #expect(Set(reached) == Set(expected.components(separatedBy: ", ")), "\(flow.name): \(outcomes)")
            let masquerade = variant.masqueradeOverrides[flow.name] ?? flow.masquerade
            #expect(outcomes.allSatisfy { $0.masquerade == masquerade }, "\(flow.name): \(outcomes)")
            #expect(abs(outcomes.map(\.probability).reduce(0, +) - 1) < 1e-9, "\(flow.name)")
        }
    }
}
