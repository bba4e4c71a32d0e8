import ServiceModel

/// How packets from this node's pods are told apart, as kube-proxy's `detectLocalMode`
/// chooses: by source network (ClusterCIDR, NodeCIDR), by the bridge they come in on
/// (BridgeInterface) or by the prefix of the interface they come in on
/// (InterfaceNamePrefix). Each rule backend writes it in its own spelling.
public enum LocalTrafficDetector: Hashable, Sendable {
    /// Packets from this network are local.
    case sourceNetwork(IPPrefix)
    /// Packets that come in on this interface are local.
    case inInterface(String)
    /// Packets that come in on an interface whose name starts with this are local.
    case inInterfaceNamePrefix(String)

    /// The detector a configuration asks for in one family, or `nil` when it has nothing to
    /// detect with (ClusterCIDR without a CIDR of the family, NodeCIDR without a pod CIDR).
    public init?(_ mode: KubeProxyConfiguration.LocalTrafficDetector, clusterCIDRs: [IPPrefix],
                 node: ProxyNode, family: IPFamily) {
        switch mode {
        case .clusterCIDR:
            guard let cidr = clusterCIDRs.first(where: { $0.family == family }) else { return nil }
            self = .sourceNetwork(cidr)
        case .nodeCIDR:
            guard let cidr = node.podCIDRs.first(where: { $0.family == family }) else { return nil }
            self = .sourceNetwork(cidr)
        case .bridgeInterface(let bridge):
            self = .inInterface(bridge)
        case .interfaceNamePrefix(let prefix):
            self = .inInterfaceNamePrefix(prefix)
        }
    }

    /// Whether this detector counts `address` as a pod's. Only source-network detectors can
    /// tell by address; interface detectors never do.
    public func isPodAddress(_ address: IPAddress) -> Bool {
        if case .sourceNetwork(let network) = self { return network.contains(address) }
        return false
    }

    /// The interface a packet from one of this node's pods arrives on, as a tracer takes it:
    /// the detector's bridge, an interface with the detector's prefix (`veth0`), else `cni0`.
    public static func podInterface(_ detector: LocalTrafficDetector?) -> String {
        switch detector {
        case .inInterface(let name)?: name
        case .inInterfaceNamePrefix(let prefix)?: prefix + "0"
        case .sourceNetwork?, nil: "cni0"
        }
    }
}
