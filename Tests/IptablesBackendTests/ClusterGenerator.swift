import IptablesBackend
import KProxyTestSupport
import ProxyCore
import ServiceModel

/// A generated cluster: Services of every shape with their EndpointSlices, and a
/// configuration, written as YAML for either IP family.
struct GeneratedCluster {
    enum Shape: CaseIterable {
        case clusterIP, nodePort, loadBalancer, externalName, headless
    }

    enum EndpointState: CaseIterable {
        case ready, terminatingServing, terminatingNotServing, notReady
    }

    struct Endpoint {
        var index: Int
        var isLocal: Bool
        var state: EndpointState
        var zoneHint: String?
    }

    struct Port {
        var name: String
        var protocolName: String
        var port: Int
        var nodePort: Int?
        var targetPort: Int
    }

    struct ServiceSpec {
        var namespace: String
        var name: String
        var shape: Shape
        var number: Int
        var ports: [Port]
        var externalIPs: Int
        var ingressIPs: Int
        var ingressProxyMode: Bool
        var sourceRanges: Bool
        var externalLocal: Bool
        var internalLocal: Bool
        var affinitySeconds: Int?
        var endpoints: [Endpoint]
    }

    var services: [ServiceSpec]
    var configuration: KubeProxyConfiguration

    /// One YAML document per Service and per EndpointSlice, Services in generation order.
    func documents(family: IPFamily) -> [String] {
        var documents: [String] = []
        for service in services {
            documents.append(serviceDocument(service, family: family))
            if service.shape != .externalName, service.shape != .headless || !service.endpoints.isEmpty {
                documents.append(sliceDocument(service, family: family))
            }
        }
        return documents
    }

    func yaml(family: IPFamily) -> String {
        documents(family: family).joined(separator: "\n")
    }

    static func address(_ kind: String, _ number: Int, _ index: Int, family: IPFamily) -> String {
        let (major, minor) = (number / 250, number % 250 + 1)
        switch (kind, family) {
        case ("cluster", .ipv4): return "172.30.\(major).\(minor)"
        case ("cluster", .ipv6): return "fd00:30::\(major):\(minor)"
        case ("external", .ipv4): return "192.0.\(2 + number / 80).\((number % 80) * 3 + index + 1)"
        case ("external", .ipv6): return "2001:db8:e::\(number):\(index + 1)"
        case ("ingress", .ipv4): return "203.0.\(113 + number / 80).\((number % 80) * 3 + index + 1)"
        case ("ingress", .ipv6): return "2001:db8:1b::\(number):\(index + 1)"
        default: return ""
        }
    }

    static func endpointAddress(_ service: ServiceSpec, _ endpoint: Endpoint, family: IPFamily) -> String {
        let node = endpoint.isLocal ? 1 : 2
        let host = service.number * 8 + endpoint.index
        switch family {
        case .ipv4: return "10.244.\(node).\(host % 250 + 2)"
        case .ipv6: return "fd00:10:244:\(node)::\(String(host + 2, radix: 16))"
        }
    }

    private func serviceDocument(_ service: ServiceSpec, family: IPFamily) -> String {
        let familyName = family == .ipv4 ? "IPv4" : "IPv6"
        var spec: [String] = []
        switch service.shape {
        case .externalName:
            spec.append("type: ExternalName")
            spec.append("externalName: db.example.com")
        case .headless:
            spec.append("clusterIP: None")
            spec.append("clusterIPs: [None]")
        case .clusterIP, .nodePort, .loadBalancer:
            let ip = Self.address("cluster", service.number, 0, family: family)
            spec.append("type: \(service.shape == .clusterIP ? "ClusterIP" : service.shape == .nodePort ? "NodePort" : "LoadBalancer")")
            spec.append("clusterIP: \(ip)")
            spec.append("clusterIPs: [\(ip)]")
            spec.append("ipFamilies: [\(familyName)]")
        }
        if service.externalIPs > 0, service.shape != .externalName {
            let ips = (0..<service.externalIPs).map { Self.address("external", service.number, $0, family: family) }
            spec.append("externalIPs: [\(ips.joined(separator: ", "))]")
        }
        if service.shape == .nodePort || service.shape == .loadBalancer {
            spec.append("externalTrafficPolicy: \(service.externalLocal ? "Local" : "Cluster")")
            if service.externalLocal, service.shape == .loadBalancer {
                spec.append("healthCheckNodePort: \(32000 + service.number)")
            }
        }
        if service.internalLocal { spec.append("internalTrafficPolicy: Local") }
        if service.sourceRanges, service.shape == .loadBalancer {
            let ranges = family == .ipv4 ? "[198.51.100.0/24, 10.0.0.0/8]" : "[2001:db8:5::/48]"
            spec.append("loadBalancerSourceRanges: \(ranges)")
        }
        if let seconds = service.affinitySeconds, service.shape != .externalName {
            spec.append("sessionAffinity: ClientIP")
            spec.append("sessionAffinityConfig: {clientIP: {timeoutSeconds: \(seconds)}}")
        }
        if service.shape != .externalName || !service.ports.isEmpty {
            spec.append("ports:")
            for port in service.ports {
                spec.append("- name: \(port.name)")
                spec.append("  protocol: \(port.protocolName)")
                spec.append("  port: \(port.port)")
                spec.append("  targetPort: \(port.targetPort)")
                if let nodePort = port.nodePort, service.shape == .nodePort || service.shape == .loadBalancer {
                    spec.append("  nodePort: \(nodePort)")
                }
            }
        }
        var status = ""
        if service.shape == .loadBalancer, service.ingressIPs > 0 {
            status = "status:\n  loadBalancer:\n    ingress:\n"
            for index in 0..<service.ingressIPs {
                status += "    - ip: \(Self.address("ingress", service.number, index, family: family))\n"
                if service.ingressProxyMode { status += "      ipMode: Proxy\n" }
            }
        }
        return "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: \(service.name)\n  namespace: \(service.namespace)\nspec:\n"
            + spec.map { "  " + $0 }.joined(separator: "\n") + "\n" + status
    }

    private func sliceDocument(_ service: ServiceSpec, family: IPFamily) -> String {
        var lines = [
            "---", "apiVersion: discovery.k8s.io/v1", "kind: EndpointSlice",
            "addressType: \(family == .ipv4 ? "IPv4" : "IPv6")", "metadata:",
            "  name: \(String(service.name.prefix(50)))-\(family == .ipv4 ? "v4" : "v6")",
            "  namespace: \(service.namespace)", "  labels:", "    kubernetes.io/service-name: \(service.name)",
        ]
        lines.append(service.endpoints.isEmpty ? "endpoints: []" : "endpoints:")
        for endpoint in service.endpoints {
            let (ready, serving, terminating) = switch endpoint.state {
            case .ready: (true, true, false)
            case .terminatingServing: (false, true, true)
            case .terminatingNotServing: (false, false, true)
            case .notReady: (false, false, false)
            }
            lines.append("- addresses: [\"\(Self.endpointAddress(service, endpoint, family: family))\"]")
            lines.append("  conditions: {ready: \(ready), serving: \(serving), terminating: \(terminating)}")
            lines.append("  nodeName: \(endpoint.isLocal ? "node-a" : "node-b")")
            lines.append("  zone: \(endpoint.isLocal ? "zone-a" : "zone-b")")
            if let zone = endpoint.zoneHint { lines.append("  hints: {forZones: [{name: \(zone)}]}") }
        }
        lines.append("ports:")
        for port in service.ports {
            lines += ["- name: \(port.name)", "  protocol: \(port.protocolName)", "  port: \(port.targetPort)"]
        }
        return lines.joined(separator: "\n")
    }
}

/// Makes random clusters from a seed.
struct ClusterGenerator {
    var random: SeededGenerator

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    /// A DNS-1035 label of 1…`maxLength` characters ending in `suffix`.
    mutating func label(maxLength: Int, suffix: String) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let body = Array("abcdefghijklmnopqrstuvwxyz0123456789-")
        let length = Int.random(in: 0...(maxLength - suffix.count - 1), using: &random)
        var text = String(letters.randomElement(using: &random)!)
        for _ in 0..<length { text.append(body.randomElement(using: &random)!) }
        while text.hasSuffix("-") { text.removeLast() }
        return text + suffix
    }

    mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &random) < probability
    }

    mutating func cluster(services count: Int) -> GeneratedCluster {
        var services: [GeneratedCluster.ServiceSpec] = []
        var nextNodePort = 30000
        let namespaces = (0..<3).map { _ in label(maxLength: 40, suffix: "") }
        for number in 0..<count {
            let shape = GeneratedCluster.Shape.allCases.randomElement(using: &random)!
            var ports: [GeneratedCluster.Port] = []
            var protocols = ["TCP", "UDP", "SCTP"].shuffled(using: &random)
            for index in 0..<Int.random(in: 1...3, using: &random) {
                let protocolName = chance(0.7) ? "TCP" : protocols.removeLast()
                let nodePort: Int?
                if shape == .nodePort || shape == .loadBalancer {
                    nextNodePort += 1
                    nodePort = nextNodePort
                } else {
                    nodePort = nil
                }
                ports.append(GeneratedCluster.Port(name: label(maxLength: 15, suffix: "-\(index)"), protocolName: protocolName,
                                                   port: 80 + index * 1000 + Int.random(in: 0...5, using: &random) * 100,
                                                   nodePort: nodePort, targetPort: 8080 + index))
            }
            let endpoints = (0..<Int.random(in: 0...6, using: &random)).map { index in
                GeneratedCluster.Endpoint(
                    index: index, isLocal: chance(0.4),
                    state: chance(0.7) ? .ready : GeneratedCluster.EndpointState.allCases.randomElement(using: &random)!,
                    zoneHint: nil)
            }
            var service = GeneratedCluster.ServiceSpec(
                namespace: namespaces.randomElement(using: &random)!,
                name: label(maxLength: 63, suffix: "-\(number)"), shape: shape, number: number, ports: ports,
                externalIPs: chance(0.2) ? Int.random(in: 1...2, using: &random) : 0,
                ingressIPs: shape == .loadBalancer ? Int.random(in: 0...2, using: &random) : 0,
                ingressProxyMode: chance(0.2), sourceRanges: chance(0.4),
                externalLocal: chance(0.5), internalLocal: chance(0.2),
                affinitySeconds: chance(0.2) ? Int.random(in: 1...86400, using: &random) : nil,
                endpoints: endpoints)
            if chance(0.2) {
                for index in service.endpoints.indices {
                    service.endpoints[index].zoneHint = chance(0.5) ? "zone-a" : "zone-b"
                }
            }
            services.append(service)
        }
        let detectors: [KubeProxyConfiguration.LocalTrafficDetector] = [
            .clusterCIDR, .nodeCIDR, .bridgeInterface("cbr0"), .interfaceNamePrefix("veth"),
        ]
        let nodePortChoices: [[KubeProxyConfiguration.NodePortAddress]] = [
            [], [.primary], [.cidr(IPPrefix("10.0.0.0/24")!), .cidr(IPPrefix("fd00::/64")!)],
            [.cidr(IPPrefix("127.0.0.0/8")!), .cidr(IPPrefix("10.0.0.0/8")!)],
        ]
        let configuration = KubeProxyConfiguration(
            clusterCIDRs: chance(0.9) ? testClusterCIDRs : [],
            localTrafficDetector: detectors.randomElement(using: &random)!,
            masqueradeAll: chance(0.2),
            masqueradeBit: chance(0.8) ? 14 : Int.random(in: 0...31, using: &random),
            localhostNodePorts: chance(0.7),
            nodePortAddresses: nodePortChoices.randomElement(using: &random)!)
        return GeneratedCluster(services: services, configuration: configuration)
    }
}
