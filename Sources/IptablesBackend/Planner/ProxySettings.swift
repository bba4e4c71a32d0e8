import ServiceModel

/// How packets from this node's pods are told apart, as the two match forms kube-proxy
/// writes: "is local" (`-s 10.244.0.0/16`, `-i cbr0`, `-i cali+`) and "is not local".
public struct LocalTrafficDetector: Hashable, Sendable {
    public var ifLocal: Match
    public var ifNotLocal: Match

    /// The detector a configuration asks for in one family, or `nil` when it has nothing to
    /// detect with (ClusterCIDR without a CIDR of the family, NodeCIDR without a pod CIDR).
    public init?(_ mode: KubeProxyConfiguration.LocalTrafficDetector, clusterCIDRs: [IPPrefix],
                 node: ProxyNode, family: IPFamily) {
        switch mode {
        case .clusterCIDR:
            guard let cidr = clusterCIDRs.first(where: { $0.family == family }) else { return nil }
            ifLocal = .source(.network(cidr))
            ifNotLocal = .source(.network(cidr), negated: true)
        case .nodeCIDR:
            guard let cidr = node.podCIDRs.first(where: { $0.family == family }) else { return nil }
            ifLocal = .source(.network(cidr))
            ifNotLocal = .source(.network(cidr), negated: true)
        case .bridgeInterface(let bridge):
            ifLocal = .inInterface(bridge)
            ifNotLocal = .inInterface(bridge, negated: true)
        case .interfaceNamePrefix(let prefix):
            ifLocal = .inInterface(prefix + "+")
            ifNotLocal = .inInterface(prefix + "+", negated: true)
        }
    }
}

/// Which node addresses accept NodePort traffic (`nodePortAddresses` resolved for one family).
public enum NodePortAddresses: Hashable, Sendable {
    /// Every local address (`-m addrtype --dst-type LOCAL`).
    case all
    /// Only these addresses (one `-d <ip>` rule each).
    case only([IPAddress])
}

/// Everything the planner needs besides the services, resolved for one IP family from the
/// KubeProxyConfiguration, the node and the host, the way kube-proxy resolves it at start-up.
public struct ProxySettings: Hashable, Sendable {
    public var family: IPFamily
    public var node: ProxyNode
    /// `nil` when no detector applies: then ClusterIP traffic is not masqueraded by source
    /// and pods get no short-circuit to all endpoints of externalTrafficPolicy Local services.
    public var localTrafficDetector: LocalTrafficDetector?
    public var masqueradeAll: Bool
    public var masqueradeMark: PacketMark
    /// NodePorts answer on 127.0.0.1 (IPv4 only, and only when `nodePortAddresses` takes
    /// in a loopback address).
    public var localhostNodePorts: Bool
    public var nodePortAddresses: NodePortAddresses
    /// The node IP checked against load balancer source ranges: `bindAddress` when set,
    /// otherwise the node's primary IP of the family.
    public var nodeIP: IPAddress?
    /// `LoadBalancerIPMode`: skip load balancer ingress IPs with `ipMode: Proxy`.
    public var skipProxyModeLoadBalancerIPs: Bool
    /// `PreferSameTrafficDistribution`: honour node hints (trafficDistribution PreferSameNode).
    public var useNodeHints: Bool
    public var host: HostFeatures
    /// How KUBE-SERVICES (nat and filter) is laid out: kube-proxy's single list, or a tree by
    /// destination prefix. Not part of the KubeProxyConfiguration; linear unless asked for.
    public var serviceDispatch: ServiceDispatch = .linear

    public init(configuration: KubeProxyConfiguration, node: ProxyNode, family: IPFamily,
                host: HostFeatures = HostFeatures()) {
        self.family = family
        self.node = node
        self.host = host
        localTrafficDetector = LocalTrafficDetector(configuration.localTrafficDetector,
                                                    clusterCIDRs: configuration.clusterCIDRs, node: node, family: family)
        masqueradeAll = configuration.masqueradeAll
        masqueradeMark = .bit(configuration.masqueradeBit)
        if let bind = configuration.bindAddress, bind.family == family, !bind.isUnspecified {
            nodeIP = bind
        } else {
            nodeIP = node.primaryIP(for: family)
        }

        // nodePortAddresses: entries of the other family are ignored; none left (or a
        // zero CIDR) means every local address.
        var cidrs: [IPPrefix] = []
        var matchAll = false
        for entry in configuration.nodePortAddresses {
            switch entry {
            case .cidr(let cidr) where cidr.family == family:
                if cidr.length == 0 { matchAll = true }
                cidrs.append(cidr)
            case .cidr:
                continue
            case .primary:
                if let primary = node.primaryIP(for: family) {
                    cidrs.append(AddressMatch.host(primary).prefix)
                }
            }
        }
        if cidrs.isEmpty { matchAll = true }
        let loopbackStart = IPAddress("127.0.0.1")!
        let containsIPv4Loopback = family == .ipv4
            && (matchAll || cidrs.contains { $0.contains(loopbackStart) || $0.address.isLoopback })
        localhostNodePorts = configuration.localhostNodePorts && family == .ipv4 && containsIPv4Loopback
        if matchAll {
            nodePortAddresses = .all
        } else {
            let selected = node.localAddresses(for: family).filter { address in
                cidrs.contains { $0.contains(address) }
            }
            nodePortAddresses = .only(selected)
        }

        skipProxyModeLoadBalancerIPs = configuration.featureGates["LoadBalancerIPMode"] ?? true
        useNodeHints = configuration.featureGates["PreferSameTrafficDistribution"] ?? true
    }
}
