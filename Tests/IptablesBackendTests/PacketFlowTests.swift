import IptablesBackend
import KProxyTestSupport
import ProxyCore
import ServiceModel
import Testing

/// Service behaviour stated as packet flows: for each packet, every place it can end up.
/// The cluster below has one Service per shape; each flow names the planner behaviour it
/// checks.
@Suite struct PacketFlowTests {
    static func svc(_ name: String, _ spec: String, endpoints: [String] = [], port: Int = 8080, proto: String = "TCP",
                    status: String = "") -> String {
        serviceYAML(name, spec: spec, status: status) + "\n" + sliceYAML(name, endpoints: endpoints, port: port, portName: "p", protocolName: proto)
    }

    static func ports(_ port: Int, _ target: Int, nodePort: Int? = nil, proto: String = "TCP") -> String {
        "ports:\n- {name: p, port: \(port), targetPort: \(target), protocol: \(proto)\(nodePort.map { ", nodePort: \($0)" } ?? "")}"
    }

    static let cluster = [
        svc("web", "clusterIP: 172.30.0.10\n" + ports(80, 8080), endpoints: ["10.244.1.5@node-a", "10.244.2.5@node-b", "10.244.3.5@node-c"]),
        svc("np", "type: NodePort\nclusterIP: 172.30.0.11\n" + ports(80, 8080, nodePort: 30011), endpoints: ["10.244.1.6@node-a", "10.244.2.6@node-b"]),
        svc("npl", "type: NodePort\nclusterIP: 172.30.0.12\nexternalTrafficPolicy: Local\n" + ports(80, 8080, nodePort: 30012),
            endpoints: ["10.244.1.7@node-a", "10.244.2.7@node-b"]),
        svc("nplnone", "type: NodePort\nclusterIP: 172.30.0.13\nexternalTrafficPolicy: Local\n" + ports(80, 8080, nodePort: 30013),
            endpoints: ["10.244.2.8@node-b"]),
        svc("empty", "type: NodePort\nclusterIP: 172.30.0.14\n" + ports(80, 8080, nodePort: 30014)),
        svc("lb", "type: LoadBalancer\nclusterIP: 172.30.0.15\nloadBalancerSourceRanges: [198.51.100.0/24]\n" + ports(443, 8443, nodePort: 30015),
            endpoints: ["10.244.1.9@node-a", "10.244.2.9@node-b"], port: 8443,
            status: "status:\n  loadBalancer:\n    ingress:\n    - ip: 203.0.113.15"),
        svc("lbproxy", "type: LoadBalancer\nclusterIP: 172.30.0.16\n" + ports(80, 8080, nodePort: 30016), endpoints: ["10.244.2.16@node-b"],
            status: "status:\n  loadBalancer:\n    ingress:\n    - ip: 203.0.113.16\n      ipMode: Proxy"),
        svc("lblocal", "type: LoadBalancer\nclusterIP: 172.30.0.24\nexternalTrafficPolicy: Local\nhealthCheckNodePort: 32024\n" + ports(80, 8080, nodePort: 30024),
            endpoints: ["10.244.1.24@node-a", "10.244.2.24@node-b"],
            status: "status:\n  loadBalancer:\n    ingress:\n    - ip: 203.0.113.24"),
        svc("ext", "clusterIP: 172.30.0.17\nexternalIPs: [192.0.2.17]\n" + ports(80, 8080), endpoints: ["10.244.2.17@node-b"]),
        svc("sticky", "clusterIP: 172.30.0.18\nsessionAffinity: ClientIP\n" + ports(80, 8080), endpoints: ["10.244.2.18@node-b", "10.244.3.18@node-c"]),
        svc("itp", "clusterIP: 172.30.0.19\ninternalTrafficPolicy: Local\n" + ports(80, 8080), endpoints: ["10.244.1.19@node-a", "10.244.2.19@node-b"]),
        svc("itpnone", "clusterIP: 172.30.0.20\ninternalTrafficPolicy: Local\n" + ports(80, 8080), endpoints: ["10.244.2.20@node-b"]),
        svc("term", "clusterIP: 172.30.0.21\n" + ports(80, 8080), endpoints: ["10.244.2.21@node-b!", "10.244.3.21@node-c!"]),
        svc("mixed", "clusterIP: 172.30.0.25\n" + ports(80, 8080), endpoints: ["10.244.2.25@node-b", "10.244.3.25@node-c!"]),
        svc("dns", "clusterIP: 172.30.0.22\n" + ports(53, 5353, proto: "UDP"), endpoints: ["10.244.2.22@node-b"], port: 5353, proto: "UDP"),
        svc("sig", "clusterIP: 172.30.0.23\n" + ports(9999, 9999, proto: "SCTP"), endpoints: ["10.244.2.23@node-b"], port: 9999, proto: "SCTP"),
        serviceYAML("headless", spec: "clusterIP: None\n" + ports(80, 8080)),
        serviceYAML("extname", spec: "type: ExternalName\nexternalName: db.example.com"),
    ].joined(separator: "\n")

    static let pod = TracedPacket.Entry.interface("cni0")
    static let outside = TracedPacket.Entry.interface("eth0")

    struct Flow: CustomTestStringConvertible, Sendable {
        var behaviour: String
        var from: String
        var to: String
        var entry: TracedPacket.Entry
        var proto: L4Protocol = .tcp
        var remembered: String? = nil
        var expected: [String]
        var testDescription: String { "\(behaviour): \(from) -> \(to)" }
    }

    static func dnat(_ endpoints: [String], masquerade: Bool = false) -> [String] {
        let share = String(format: endpoints.count)
        return endpoints.map { "DNAT \($0) p=\(share) masquerade=\(masquerade ? "yes" : "no")" }
    }

    static let flows: [Flow] = [
        Flow(behaviour: "cluster IP from a pod: every endpoint, equal shares", from: "10.244.1.50", to: "172.30.0.10:80", entry: pod,
             expected: dnat(["10.244.1.5:8080", "10.244.2.5:8080", "10.244.3.5:8080"])),
        Flow(behaviour: "cluster IP from the node: masqueraded", from: "10.0.0.1", to: "172.30.0.10:80", entry: .local,
             expected: dnat(["10.244.1.5:8080", "10.244.2.5:8080", "10.244.3.5:8080"], masquerade: true)),
        Flow(behaviour: "cluster IP from outside the pod range: masqueraded", from: "192.168.7.7", to: "172.30.0.10:80", entry: outside,
             expected: dnat(["10.244.1.5:8080", "10.244.2.5:8080", "10.244.3.5:8080"], masquerade: true)),
        Flow(behaviour: "hairpin: an endpoint reaching itself is masqueraded", from: "10.244.1.5", to: "172.30.0.10:80", entry: pod,
             expected: ["DNAT 10.244.1.5:8080 p=0.3333 masquerade=yes", "DNAT 10.244.2.5:8080 p=0.3333 masquerade=no",
                        "DNAT 10.244.3.5:8080 p=0.3333 masquerade=no"]),
        Flow(behaviour: "wrong port on a cluster IP: untouched", from: "10.244.1.50", to: "172.30.0.10:81", entry: pod,
             expected: ["ACCEPT unchanged p=1.0000"]),
        Flow(behaviour: "an address no service has: untouched", from: "10.244.1.50", to: "172.30.0.99:80", entry: pod,
             expected: ["ACCEPT unchanged p=1.0000"]),
        Flow(behaviour: "UDP cluster IP", from: "10.244.1.50", to: "172.30.0.22:53", entry: pod, proto: .udp,
             expected: dnat(["10.244.2.22:5353"])),
        Flow(behaviour: "TCP to a UDP service: untouched", from: "10.244.1.50", to: "172.30.0.22:53", entry: pod,
             expected: ["ACCEPT unchanged p=1.0000"]),
        Flow(behaviour: "SCTP cluster IP", from: "10.244.1.50", to: "172.30.0.23:9999", entry: pod, proto: .sctp,
             expected: dnat(["10.244.2.23:9999"])),
        Flow(behaviour: "NodePort from outside: all endpoints, masqueraded", from: "192.168.7.7", to: "10.0.0.1:30011", entry: outside,
             expected: dnat(["10.244.1.6:8080", "10.244.2.6:8080"], masquerade: true)),
        Flow(behaviour: "NodePort from the node", from: "10.0.0.1", to: "10.0.0.1:30011", entry: .local,
             expected: dnat(["10.244.1.6:8080", "10.244.2.6:8080"], masquerade: true)),
        Flow(behaviour: "localhost NodePort", from: "127.0.0.1", to: "127.0.0.1:30011", entry: .local,
             expected: dnat(["10.244.1.6:8080", "10.244.2.6:8080"], masquerade: true)),
        Flow(behaviour: "NodePort from a pod", from: "10.244.1.50", to: "10.0.0.1:30011", entry: pod,
             expected: dnat(["10.244.1.6:8080", "10.244.2.6:8080"], masquerade: true)),
        Flow(behaviour: "NodePort cluster IP from a pod", from: "10.244.1.50", to: "172.30.0.11:80", entry: pod,
             expected: dnat(["10.244.1.6:8080", "10.244.2.6:8080"])),
        Flow(behaviour: "unused node port: untouched", from: "192.168.7.7", to: "10.0.0.1:30099", entry: outside,
             expected: ["ACCEPT unchanged p=1.0000"]),
        Flow(behaviour: "eTP Local NodePort from outside: local endpoint only, client IP kept", from: "192.168.7.7", to: "10.0.0.1:30012",
             entry: outside, expected: dnat(["10.244.1.7:8080"])),
        Flow(behaviour: "eTP Local NodePort from a pod: short-circuit to all endpoints", from: "10.244.1.50", to: "10.0.0.1:30012",
             entry: pod, expected: dnat(["10.244.1.7:8080", "10.244.2.7:8080"])),
        Flow(behaviour: "eTP Local NodePort from the node: all endpoints, masqueraded", from: "10.0.0.1", to: "10.0.0.1:30012",
             entry: .local, expected: dnat(["10.244.1.7:8080", "10.244.2.7:8080"], masquerade: true)),
        Flow(behaviour: "eTP Local cluster IP: all endpoints", from: "10.244.1.50", to: "172.30.0.12:80", entry: pod,
             expected: dnat(["10.244.1.7:8080", "10.244.2.7:8080"])),
        Flow(behaviour: "eTP Local without local endpoints: NodePort dropped", from: "192.168.7.7", to: "10.0.0.1:30013", entry: outside,
             expected: ["DROP p=1.0000"]),
        Flow(behaviour: "eTP Local without local endpoints: cluster IP still served", from: "10.244.1.50", to: "172.30.0.13:80", entry: pod,
             expected: dnat(["10.244.2.8:8080"])),
        Flow(behaviour: "eTP Local without local endpoints: pods still reach the NodePort (short-circuit)", from: "10.244.1.50",
             to: "10.0.0.1:30013", entry: pod, expected: dnat(["10.244.2.8:8080"])),
        Flow(behaviour: "no endpoints: cluster IP rejected from a pod", from: "10.244.1.50", to: "172.30.0.14:80", entry: pod,
             expected: ["REJECT p=1.0000"]),
        Flow(behaviour: "no endpoints: cluster IP rejected from the node", from: "10.0.0.1", to: "172.30.0.14:80", entry: .local,
             expected: ["REJECT p=1.0000"]),
        Flow(behaviour: "no endpoints: NodePort rejected", from: "192.168.7.7", to: "10.0.0.1:30014", entry: outside,
             expected: ["REJECT p=1.0000"]),
        Flow(behaviour: "LB IP from an allowed source", from: "198.51.100.7", to: "203.0.113.15:443", entry: outside,
             expected: dnat(["10.244.1.9:8443", "10.244.2.9:8443"], masquerade: true)),
        Flow(behaviour: "LB IP from a source outside the ranges: dropped", from: "192.168.7.7", to: "203.0.113.15:443", entry: outside,
             expected: ["DROP p=1.0000"]),
        Flow(behaviour: "LB IP from a pod outside the ranges: dropped", from: "10.244.1.50", to: "203.0.113.15:443", entry: pod,
             expected: ["DROP p=1.0000"]),
        Flow(behaviour: "LB NodePort ignores the source ranges", from: "192.168.7.7", to: "10.0.0.1:30015", entry: outside,
             expected: dnat(["10.244.1.9:8443", "10.244.2.9:8443"], masquerade: true)),
        Flow(behaviour: "LB cluster IP ignores the source ranges", from: "10.244.1.50", to: "172.30.0.15:443", entry: pod,
             expected: dnat(["10.244.1.9:8443", "10.244.2.9:8443"])),
        Flow(behaviour: "LB IP with ipMode Proxy: left to the load balancer", from: "192.168.7.7", to: "203.0.113.16:80", entry: outside,
             expected: ["ACCEPT unchanged p=1.0000"]),
        Flow(behaviour: "ipMode Proxy service still has its NodePort", from: "192.168.7.7", to: "10.0.0.1:30016", entry: outside,
             expected: dnat(["10.244.2.16:8080"], masquerade: true)),
        Flow(behaviour: "eTP Local LB IP from outside: local endpoint, client IP kept", from: "192.168.7.7", to: "203.0.113.24:80",
             entry: outside, expected: dnat(["10.244.1.24:8080"])),
        Flow(behaviour: "eTP Local LB IP from a pod: all endpoints", from: "10.244.1.50", to: "203.0.113.24:80", entry: pod,
             expected: dnat(["10.244.1.24:8080", "10.244.2.24:8080"])),
        Flow(behaviour: "eTP Local LB IP from the node: all endpoints, masqueraded", from: "10.0.0.1", to: "203.0.113.24:80", entry: .local,
             expected: dnat(["10.244.1.24:8080", "10.244.2.24:8080"], masquerade: true)),
        Flow(behaviour: "health check node port is accepted", from: "192.168.7.7", to: "10.0.0.1:32024", entry: outside,
             expected: ["ACCEPT unchanged p=1.0000"]),
        Flow(behaviour: "external IP from outside: masqueraded", from: "192.168.7.7", to: "192.0.2.17:80", entry: outside,
             expected: dnat(["10.244.2.17:8080"], masquerade: true)),
        Flow(behaviour: "external IP from a pod: eTP Cluster masquerades all external traffic", from: "10.244.1.50",
             to: "192.0.2.17:80", entry: pod, expected: dnat(["10.244.2.17:8080"], masquerade: true)),
        Flow(behaviour: "external IP from the node", from: "10.0.0.1", to: "192.0.2.17:80", entry: .local,
             expected: dnat(["10.244.2.17:8080"], masquerade: true)),
        Flow(behaviour: "external IP, other port: untouched", from: "192.168.7.7", to: "192.0.2.17:81", entry: outside,
             expected: ["ACCEPT unchanged p=1.0000"]),
        Flow(behaviour: "affinity, new client: equal shares", from: "10.244.1.50", to: "172.30.0.18:80", entry: pod,
             expected: dnat(["10.244.2.18:8080", "10.244.3.18:8080"])),
        Flow(behaviour: "affinity, remembered client: its endpoint", from: "10.244.1.50", to: "172.30.0.18:80", entry: pod,
             remembered: "10.244.3.18:8080", expected: dnat(["10.244.3.18:8080"])),
        Flow(behaviour: "affinity from the node, remembered", from: "10.0.0.1", to: "172.30.0.18:80", entry: .local,
             remembered: "10.244.2.18:8080", expected: dnat(["10.244.2.18:8080"], masquerade: true)),
        Flow(behaviour: "iTP Local: only the local endpoint", from: "10.244.1.50", to: "172.30.0.19:80", entry: pod,
             expected: dnat(["10.244.1.19:8080"])),
        Flow(behaviour: "iTP Local from the node", from: "10.0.0.1", to: "172.30.0.19:80", entry: .local,
             expected: dnat(["10.244.1.19:8080"], masquerade: true)),
        Flow(behaviour: "iTP Local without local endpoints: dropped", from: "10.244.1.50", to: "172.30.0.20:80", entry: pod,
             expected: ["DROP p=1.0000"]),
        Flow(behaviour: "only terminating endpoints: they serve", from: "10.244.1.50", to: "172.30.0.21:80", entry: pod,
             expected: dnat(["10.244.2.21:8080", "10.244.3.21:8080"])),
        Flow(behaviour: "ready beside terminating: only the ready one", from: "10.244.1.50", to: "172.30.0.25:80", entry: pod,
             expected: dnat(["10.244.2.25:8080"])),
    ]

    /// The flow's packet; a remembered endpoint puts the client in that endpoint's recent lists.
    static func packet(_ flow: Flow, ruleset: Ruleset) -> TracedPacket {
        let destination = TracedPacket.parseDestination(flow.to)!
        let remembered = flow.remembered.flatMap { TracedPacket.parseDestination($0) }
            .map { ruleset.recentLists(forEndpoint: $0.address, port: $0.port) } ?? []
        return TracedPacket(source: IPAddress(flow.from)!, destination: destination.address, protocol: flow.proto,
                            destinationPort: destination.port, entry: flow.entry, rememberedIn: remembered)
    }

    @Test(arguments: flows)
    func flowEndsWhereTheModelSays(_ flow: Flow) throws {
        let ruleset = try planned(Self.cluster)
        let tracer = PacketTracer(ruleset: ruleset, localAddresses: testNode.addresses)
        #expect(tracer.trace(Self.packet(flow, ruleset: ruleset)).outcomes.map(\.description) == flow.expected)
    }

    @Test func probabilitiesOfEveryFlowSumToOne() throws {
        let ruleset = try planned(Self.cluster)
        let tracer = PacketTracer(ruleset: ruleset, localAddresses: testNode.addresses)
        for flow in Self.flows {
            let result = tracer.trace(Self.packet(flow, ruleset: ruleset))
            #expect(abs(result.outcomes.reduce(0) { $0 + $1.probability } - 1) < 1e-9, "\(flow.testDescription)")
        }
    }
}

extension String {
    /// The probability one of `count` equal shares prints as.
    init(format count: Int) {
        let value = (10_000.0 / Double(count)).rounded() / 10_000
        let whole = Int(value)
        let fraction = String(Int((value - Double(whole)) * 10_000 + 0.5))
        self = "\(whole)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }
}

/// Flows under other configurations and families: the local-traffic detectors, masqueradeAll,
/// NodePort addresses, topology hints and IPv6.
@Suite struct ConfiguredFlowTests {
    struct Flow: CustomTestStringConvertible, Sendable {
        var behaviour: String
        var configuration: KubeProxyConfiguration
        var yaml: String = PacketFlowTests.cluster
        var family: IPFamily = .ipv4
        var from: String
        var to: String
        var entry: TracedPacket.Entry
        var expected: [String]
        var testDescription: String { "\(behaviour): \(from) -> \(to)" }
    }

    static let web = ["10.244.1.5:8080", "10.244.2.5:8080", "10.244.3.5:8080"]
    static func config(_ detector: KubeProxyConfiguration.LocalTrafficDetector = .clusterCIDR, cidrs: [IPPrefix] = testClusterCIDRs,
                       masqueradeAll: Bool = false, localhost: Bool = true,
                       nodePorts: [KubeProxyConfiguration.NodePortAddress] = []) -> KubeProxyConfiguration {
        KubeProxyConfiguration(clusterCIDRs: cidrs, localTrafficDetector: detector, masqueradeAll: masqueradeAll,
                               localhostNodePorts: localhost, nodePortAddresses: nodePorts)
    }

    /// A Service whose EndpointSlice lists `endpoints`, each a flow-style YAML mapping (for
    /// hints, which `sliceYAML` does not write).
    static func service(_ name: String, _ spec: String, endpoints: [String]) -> String {
        PacketFlowTests.svc(name, spec + "\n" + PacketFlowTests.ports(80, 8080), endpoints: [])
            .replacingOccurrences(of: "endpoints: []", with: "endpoints:\n" + endpoints.map { "- " + $0 }.joined(separator: "\n"))
    }

    static let hinted = service("zoned", "clusterIP: 172.30.0.30", endpoints: [
        "{addresses: [10.244.1.30], conditions: {ready: true}, nodeName: node-a, zone: zone-a, hints: {forZones: [{name: zone-a}]}}",
        "{addresses: [10.244.2.30], conditions: {ready: true}, nodeName: node-b, zone: zone-b, hints: {forZones: [{name: zone-b}]}}",
    ])

    static let nodeHinted = service("near", "clusterIP: 172.30.0.31\ntrafficDistribution: PreferSameNode", endpoints: [
        "{addresses: [10.244.1.31], conditions: {ready: true}, nodeName: node-a, zone: zone-a, hints: {forZones: [{name: zone-a}], forNodes: [{name: node-a}]}}",
        "{addresses: [10.244.2.31], conditions: {ready: true}, nodeName: node-b, zone: zone-a, hints: {forZones: [{name: zone-a}], forNodes: [{name: node-b}]}}",
    ])

    static let ipv6 = serviceYAML("six", spec: "clusterIP: fd00:30::a\nipFamilies: [IPv6]\ntype: NodePort\n" + PacketFlowTests.ports(80, 8080, nodePort: 30060))
        + "\n" + sliceYAML("six", addressType: "IPv6", endpoints: ["fd00:10:244:1::5@node-a", "fd00:10:244:2::5@node-b"], portName: "p")
        + "\n" + serviceYAML("sixempty", spec: "clusterIP: fd00:30::b\nipFamilies: [IPv6]\n" + PacketFlowTests.ports(80, 8080))

    static let flows: [Flow] = [
        Flow(behaviour: "bridge detector: from the bridge, not masqueraded", configuration: config(.bridgeInterface("cbr0")),
             from: "10.244.1.50", to: "172.30.0.10:80", entry: .interface("cbr0"), expected: PacketFlowTests.dnat(web)),
        Flow(behaviour: "bridge detector: from elsewhere, masqueraded", configuration: config(.bridgeInterface("cbr0")),
             from: "10.244.1.50", to: "172.30.0.10:80", entry: .interface("eth0"), expected: PacketFlowTests.dnat(web, masquerade: true)),
        Flow(behaviour: "interface prefix detector: from veth, not masqueraded", configuration: config(.interfaceNamePrefix("veth")),
             from: "10.244.1.50", to: "172.30.0.10:80", entry: .interface("veth1a2b"), expected: PacketFlowTests.dnat(web)),
        Flow(behaviour: "interface prefix detector: from eth0, masqueraded", configuration: config(.interfaceNamePrefix("veth")),
             from: "10.244.1.50", to: "172.30.0.10:80", entry: .interface("eth0"), expected: PacketFlowTests.dnat(web, masquerade: true)),
        Flow(behaviour: "node CIDR detector: this node's pods are not masqueraded", configuration: config(.nodeCIDR),
             from: "10.244.1.50", to: "172.30.0.10:80", entry: .interface("cni0"), expected: PacketFlowTests.dnat(web)),
        Flow(behaviour: "node CIDR detector: other nodes' pods are masqueraded", configuration: config(.nodeCIDR),
             from: "10.244.2.50", to: "172.30.0.10:80", entry: .interface("eth0"), expected: PacketFlowTests.dnat(web, masquerade: true)),
        Flow(behaviour: "no detector: nothing masqueraded by source", configuration: config(cidrs: []),
             from: "192.168.7.7", to: "172.30.0.10:80", entry: .interface("eth0"), expected: PacketFlowTests.dnat(web)),
        Flow(behaviour: "no detector: eTP Local NodePort from a pod gets no short-circuit", configuration: config(cidrs: []),
             from: "10.244.1.50", to: "10.0.0.1:30012", entry: .interface("cni0"), expected: PacketFlowTests.dnat(["10.244.1.7:8080"])),
        Flow(behaviour: "masqueradeAll: pods are masqueraded too", configuration: config(masqueradeAll: true),
             from: "10.244.1.50", to: "172.30.0.10:80", entry: .interface("cni0"), expected: PacketFlowTests.dnat(web, masquerade: true)),
        Flow(behaviour: "localhostNodePorts off: 127.0.0.1 is not a NodePort address", configuration: config(localhost: false),
             from: "127.0.0.1", to: "127.0.0.1:30011", entry: .local, expected: ["ACCEPT unchanged p=1.0000"]),
        Flow(behaviour: "nodePortAddresses primary: the node IP answers", configuration: config(nodePorts: [.primary]),
             from: "192.168.7.7", to: "10.0.0.1:30011", entry: .interface("eth0"),
             expected: PacketFlowTests.dnat(["10.244.1.6:8080", "10.244.2.6:8080"], masquerade: true)),
        Flow(behaviour: "nodePortAddresses primary: localhost does not", configuration: config(nodePorts: [.primary]),
             from: "127.0.0.1", to: "127.0.0.1:30011", entry: .local, expected: ["ACCEPT unchanged p=1.0000"]),
        Flow(behaviour: "zone hints: this zone's endpoint", configuration: config(), yaml: hinted,
             from: "10.244.1.50", to: "172.30.0.30:80", entry: .interface("cni0"), expected: PacketFlowTests.dnat(["10.244.1.30:8080"])),
        Flow(behaviour: "trafficDistribution PreferSameNode: the node's own endpoint", configuration: config(), yaml: nodeHinted,
             from: "10.244.1.50", to: "172.30.0.31:80", entry: .interface("cni0"), expected: PacketFlowTests.dnat(["10.244.1.31:8080"])),
        Flow(behaviour: "another masquerade bit still masquerades", configuration: KubeProxyConfiguration(clusterCIDRs: testClusterCIDRs, masqueradeBit: 3),
             from: "10.0.0.1", to: "172.30.0.10:80", entry: .local, expected: PacketFlowTests.dnat(web, masquerade: true)),
        Flow(behaviour: "martian packets to 127.0.0.0/8 from outside are dropped (KUBE-FIREWALL)", configuration: config(),
             from: "192.168.7.7", to: "127.0.0.1:22", entry: .interface("eth0"), expected: ["DROP p=1.0000"]),
        Flow(behaviour: "IPv6 cluster IP", configuration: config(), yaml: ipv6, family: .ipv6,
             from: "fd00:10:244:1::50", to: "[fd00:30::a]:80", entry: .interface("cni0"),
             expected: PacketFlowTests.dnat(["[fd00:10:244:1::5]:8080", "[fd00:10:244:2::5]:8080"])),
        Flow(behaviour: "IPv6 NodePort from outside", configuration: config(), yaml: ipv6, family: .ipv6,
             from: "2001:db8::7", to: "[fd00::1]:30060", entry: .interface("eth0"),
             expected: PacketFlowTests.dnat(["[fd00:10:244:1::5]:8080", "[fd00:10:244:2::5]:8080"], masquerade: true)),
        Flow(behaviour: "IPv6 never answers NodePorts on ::1", configuration: config(), yaml: ipv6, family: .ipv6,
             from: "::1", to: "[::1]:30060", entry: .local, expected: ["ACCEPT unchanged p=1.0000"]),
        Flow(behaviour: "IPv6 without endpoints: rejected", configuration: config(), yaml: ipv6, family: .ipv6,
             from: "fd00:10:244:1::50", to: "[fd00:30::b]:80", entry: .interface("cni0"), expected: ["REJECT p=1.0000"]),
    ]

    @Test(arguments: flows)
    func flowEndsWhereTheModelSays(_ flow: Flow) throws {
        let ruleset = try planned(flow.yaml, configuration: flow.configuration, family: flow.family)
        let tracer = PacketTracer(ruleset: ruleset, localAddresses: testNode.addresses)
        let destination = TracedPacket.parseDestination(flow.to)!
        let packet = TracedPacket(source: IPAddress(flow.from)!, destination: destination.address, destinationPort: destination.port,
                                  entry: flow.entry)
        #expect(tracer.trace(packet).outcomes.map(\.description) == flow.expected)
    }

    @Test func thereAreAtLeastSixtyFlows() {
        #expect(PacketFlowTests.flows.count + Self.flows.count >= 60)
    }
}
