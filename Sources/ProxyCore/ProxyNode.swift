import ServiceModel

/// The node the rules are planned for: its name (which endpoints are local), its zone
/// (topology hints), its IPs and its pod CIDRs.
public struct ProxyNode: Hashable, Sendable {
    /// The Node's name: endpoints whose `nodeName` equals it are local.
    public var name: String
    /// The node's `topology.kubernetes.io/zone`.
    public var zone: String?
    /// The node's IPs, primary first: they accept NodePort traffic (with 127.0.0.1) and
    /// decide whether a load balancer source range lets the node itself in.
    public var addresses: [IPAddress]
    /// `spec.podCIDRs`, for the NodeCIDR local-traffic detector.
    public var podCIDRs: [IPPrefix]

    public init(name: String, zone: String? = nil, addresses: [IPAddress] = [], podCIDRs: [IPPrefix] = []) {
        self.name = name
        self.zone = zone
        self.addresses = addresses
        self.podCIDRs = podCIDRs
    }

    /// The node as a Node object describes it: its InternalIP addresses are its IPs (its
    /// ExternalIP addresses when it has no InternalIP).
    public init(_ node: Node) {
        let internalIPs = node.addresses.filter { $0.type == .internalIP }.compactMap { IPAddress($0.address) }
        self.init(name: node.name, zone: node.zone, addresses: internalIPs.isEmpty ? node.nodeIPs : internalIPs,
                  podCIDRs: node.podCIDRs)
    }

    /// The first IP of a family.
    public func primaryIP(for family: IPFamily) -> IPAddress? {
        addresses.first { $0.family == family }
    }

    /// The addresses NodePorts can be reached on in one family: the loopback address and
    /// the node's IPs.
    public func localAddresses(for family: IPFamily) -> [IPAddress] {
        let loopback: IPAddress = family == .ipv4 ? IPAddress("127.0.0.1")! : IPAddress("::1")!
        var result = [loopback]
        for address in addresses where address.family == family && !result.contains(address) {
            result.append(address)
        }
        return result
    }
}
