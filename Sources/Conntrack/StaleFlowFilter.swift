import ServiceModel

/// Which tracked connections of a family point at an endpoint that no longer serves, by
/// kube-proxy's rule: for a UDP or SCTP service port with serving endpoints, an entry whose
/// original destination is one of its frontends (cluster IP, external IPs, load-balancer
/// IPs at the service port, or any address at its NodePort) and whose reply source is not
/// one of those endpoints.
///
/// Traffic policies, topology and terminating state are left out on purpose, as kube-proxy
/// leaves them out: a flow to an endpoint that still serves is never cut by a policy change,
/// the same as a TCP connection. Service ports with no serving endpoint are left alone too:
/// their flows have nowhere better to go.
public struct StaleFlowFilter: Sendable, Equatable {
    /// A frontend: address, port and protocol.
    struct Frontend: Hashable, Sendable {
        var address: IPAddress
        var port: Int
        var `protocol`: L4Protocol
    }

    /// A NodePort, at any address of the node.
    struct NodePort: Hashable, Sendable {
        var port: Int
        var `protocol`: L4Protocol
    }

    public let family: IPFamily
    private(set) var frontends: [Frontend: Set<IPAddress>] = [:]
    private(set) var nodePorts: [NodePort: Set<IPAddress>] = [:]

    /// The protocols whose connections can go stale this way.
    public static let protocols: [L4Protocol] = [.udp, .sctp]

    /// - Parameter skipProxyModeLoadBalancerIPs: leave out load-balancer IPs with
    ///   `ipMode: Proxy`, as the rules do when the planner does.
    public init(_ servicePorts: some Sequence<ServicePortEndpoints>, family: IPFamily, skipProxyModeLoadBalancerIPs: Bool = true) {
        self.family = family
        for entry in servicePorts where Self.protocols.contains(entry.port.protocol) {
            let serving = Set(entry.endpoints.lazy.filter { $0.isServing && $0.address.family == family }.map(\.address))
            guard !serving.isEmpty else { continue }
            let service = entry.service
            var addresses = (service.clusterIP(for: family).map { [$0] } ?? []) + service.externalIPs.filter { $0.family == family }
            for ingress in service.loadBalancerIngress {
                guard let ip = ingress.ip, ip.family == family else { continue }
                if skipProxyModeLoadBalancerIPs && ingress.ipMode == .proxy { continue }
                addresses.append(ip)
            }
            for address in addresses {
                frontends[Frontend(address: address, port: entry.port.port, protocol: entry.port.protocol)] = serving
            }
            if let nodePort = entry.port.nodePort, nodePort != 0 {
                nodePorts[NodePort(port: nodePort, protocol: entry.port.protocol)] = serving
            }
        }
    }

    /// Whether no service port of these protocols has a serving endpoint: nothing to look for.
    public var isEmpty: Bool { frontends.isEmpty && nodePorts.isEmpty }

    /// Whether `entry` goes to one of the frontends and is answered by none of its serving
    /// endpoints.
    public func isStale(_ entry: ConntrackEntry) -> Bool {
        let frontend = Frontend(address: entry.originalDestination, port: entry.originalDestinationPort, protocol: entry.protocol)
        if let serving = frontends[frontend], !serving.contains(entry.replySource) { return true }
        if let serving = nodePorts[NodePort(port: entry.originalDestinationPort, protocol: entry.protocol)],
           !serving.contains(entry.replySource) { return true }
        return false
    }
}
