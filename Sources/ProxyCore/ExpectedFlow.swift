import ServiceModel

/// One way into one service port and what kube-proxy's rules do with it, as the model says:
/// the endpoints reached in equal shares (`10.244.1.5:8080 p=0.5000`), or `REJECT` / `DROP`.
/// Rule backends trace the same packet through their rules and compare.
public struct ExpectedFlow: Hashable, Sendable {
    /// Where the packet starts.
    public enum Origin: Hashable, Sendable {
        /// A pod on this node.
        case pod
        /// A process of the node itself.
        case node
        /// Outside the node, arriving on its uplink.
        case outside
    }

    public var servicePort: ServicePortName
    /// `cluster IP from a pod`, `NodePort from outside`, ….
    public var way: String
    public var source: IPAddress
    public var origin: Origin
    public var destination: IPAddress
    public var destinationPort: Int
    public var expected: [String]

    /// Every way in to every service port of `catalog` in the settings' family: its cluster
    /// IP from a pod and from the node, its NodePort from outside, its load balancer IPs from
    /// inside and outside their source ranges (and from a pod), its external IPs. The
    /// endpoints come from ``ExpectedEndpoints``, not from the planners' selection.
    public static func all(_ catalog: ServiceCatalog, settings: ProxySettings) -> [ExpectedFlow] {
        let family = settings.family
        let podSource = host(in: settings.node.podCIDRs.first { $0.family == family }
                             ?? IPPrefix(family == .ipv4 ? "10.244.0.0/16" : "fd00:10:244::/48")!, offset: 250)
        var flows: [ExpectedFlow] = []
        for port in catalog.servicePorts {
            let service = port.service
            guard let clusterIP = service.clusterIP(for: family) else { continue }
            let rules = ExpectedEndpoints(endpoints: port.endpoints(for: family), node: settings.node,
                                          useNodeHints: settings.useNodeHints)
            let anyEndpoints = rules.anyCanServe
            func expect(_ policy: ExpectedEndpoints.Policy) -> [String] {
                guard anyEndpoints else { return ["REJECT"] }
                let set = rules.reached(by: policy)
                guard !set.isEmpty else { return [policy == .local ? "DROP" : "REJECT"] }
                return set.map { "\($0)" }.sorted().map { "\($0) \(share(probability: 1 / Double(set.count)))" }
            }
            let inside = expect(service.internalTrafficPolicy == .local ? .local : .cluster)
            let externalLocal = service.externalTrafficPolicy == .local
            let external = expect(externalLocal ? .local : .cluster)
            // Pods reaching an external address of an eTP Local service are short-circuited
            // to the cluster-wide endpoints when a detector tells pods apart.
            let fromPodToExternal = externalLocal && settings.localTrafficDetector != nil ? expect(.cluster) : external
            func flow(_ way: String, _ source: IPAddress, _ origin: Origin, _ destination: IPAddress, _ destinationPort: Int,
                      _ expected: [String]) {
                flows.append(ExpectedFlow(servicePort: port.name, way: way, source: source, origin: origin,
                                          destination: destination, destinationPort: destinationPort, expected: expected))
            }
            flow("cluster IP from a pod", podSource, .pod, clusterIP, port.port.port, inside)
            if let nodeIP = settings.node.primaryIP(for: family) {
                flow("cluster IP from the node", nodeIP, .node, clusterIP, port.port.port, inside)
            }
            let outsider = outsideSource(family: family, avoiding: service.loadBalancerSourceRanges)
            if let nodePort = port.port.nodePort, let address = nodePortAddress(settings) {
                flow("NodePort from outside", outsider, .outside, address, nodePort, external)
            }
            let ranges = service.loadBalancerSourceRanges.filter { $0.family == family }
            for ingress in service.loadBalancerIngress {
                guard let ip = ingress.ip, ip.family == family,
                      !(settings.skipProxyModeLoadBalancerIPs && ingress.ipMode == .proxy) else { continue }
                if ranges.isEmpty {
                    flow("load balancer IP from outside", outsider, .outside, ip, port.port.port, external)
                    flow("load balancer IP from a pod", podSource, .pod, ip, port.port.port, fromPodToExternal)
                } else {
                    flow("load balancer IP from inside the source ranges", host(in: ranges[0], offset: 1), .outside, ip,
                         port.port.port, external)
                    flow("load balancer IP from outside the source ranges", outsider, .outside, ip, port.port.port,
                         anyEndpoints ? ["DROP"] : ["REJECT"])
                }
            }
            for ip in service.externalIPs where ip.family == family {
                flow("external IP from outside", outsider, .outside, ip, port.port.port, external)
            }
        }
        return flows
    }

    /// Traced outcomes in the form of ``expected``: each endpoint with its summed share,
    /// then the verdicts without one (`ACCEPT`, `DROP`, `REJECT`), sorted.
    public static func summary(shares: [String: Double], verdicts: [String]) -> [String] {
        shares.keys.sorted().map { "\($0) \(share(probability: shares[$0]!))" } + verdicts.sorted()
    }

    /// `p=0.3333`.
    public static func share(probability: Double) -> String {
        "p=" + String(format4: probability)
    }

    /// An address NodePorts answer on: the primary IP when every address does, else the
    /// first non-loopback address allowed.
    static func nodePortAddress(_ settings: ProxySettings) -> IPAddress? {
        switch settings.nodePortAddresses {
        case .all: return settings.node.primaryIP(for: settings.family)
        case .only(let addresses): return addresses.first { !$0.isLoopback }
        }
    }

    static func host(in prefix: IPPrefix, offset: UInt32) -> IPAddress {
        switch prefix.address {
        case .v4(let address): return .v4(IPv4Address(address.value &+ offset))
        case .v6(let address): return .v6(IPv6Address(high: address.high, low: address.low &+ UInt64(offset)))
        }
    }

    static func outsideSource(family: IPFamily, avoiding ranges: [IPPrefix]) -> IPAddress {
        let candidates = family == .ipv4 ? ["192.0.2.200", "198.51.100.200", "203.0.113.200", "100.64.0.200"]
            : ["2001:db8:ffff::200", "2001:db8:eeee::200"]
        let addresses = candidates.compactMap { IPAddress($0) }
        return addresses.first { address in !ranges.contains { $0.contains(address) } } ?? addresses[0]
    }
}
