import ServiceModel

/// Everything a rule planner (iptables or nftables) needs besides the services, resolved
/// for one IP family from the KubeProxyConfiguration, the node and the host, the way
/// kube-proxy resolves it at start-up.
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
                    cidrs.append(IPPrefix(host: primary))
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
