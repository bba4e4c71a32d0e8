import ServiceModel

/// What kube-proxy decides about one service port in one family before it writes a rule,
/// the same in its iptables and nftables modes: the addresses that reach it, its traffic
/// policies, its endpoints split by policy (``EndpointSelection``), and which of its
/// destinations have endpoints to go to.
public struct ServicePortDecisions: Sendable {
    public let clusterIP: IPAddress
    /// `spec.externalIPs` of the family.
    public let externalIPs: [IPAddress]
    /// Load balancer ingress IPs of the family, less those with `ipMode: Proxy` when the
    /// settings say to skip them.
    public let loadBalancerIPs: [IPAddress]
    /// `spec.loadBalancerSourceRanges` of the family.
    public let sourceRanges: [IPPrefix]
    /// The NodePort; 0 when there is none.
    public let nodePort: Int
    /// Whether anything outside the cluster IP reaches the port (a NodePort, an external IP
    /// or a load balancer IP).
    public let externallyAccessible: Bool
    /// internalTrafficPolicy Local.
    public let internalPolicyLocal: Bool
    /// externalTrafficPolicy Local.
    public let externalPolicyLocal: Bool
    public let selection: EndpointSelection
    /// The cluster-policy endpoints are in use: the port has a chain of them.
    public let usesClusterPolicy: Bool
    /// The local-policy endpoints are in use: the port has a chain of them.
    public let usesLocalPolicy: Bool
    /// Traffic to the cluster IP has endpoints to go to (with internalTrafficPolicy Local,
    /// endpoints on this node).
    public let hasInternalEndpoints: Bool
    /// Traffic from outside to the external destinations has endpoints to go to.
    public let hasExternalEndpoints: Bool
    /// ClientIP affinity's timeout, when the Service asks for it.
    public let affinitySeconds: Int?

    /// Whether any endpoint anywhere can serve.
    public var hasEndpoints: Bool { selection.hasEndpoints }
    /// Whether the port has an external chain: it is reached from outside and has
    /// endpoints (the chain short-circuits local traffic even when none is local).
    public var usesExternalChain: Bool { hasEndpoints && externallyAccessible }

    /// The decisions for the entry at `entry`, read in place field by field (a copy of the
    /// entry would touch the reference count of every string and array its Service holds,
    /// and planners run on every core over entries made on one); `nil` when the Service
    /// has no cluster IP in the settings' family.
    public init?(entryAt entry: UnsafePointer<ServicePortEndpoints>, settings: ProxySettings) {
        let family = settings.family
        // Fields are read through the pointer, and methods of the entry or its Service are
        // not called: a call would be handed a copy.
        guard let clusterIP = entry.pointee.service.clusterIPs.first(where: { $0.family == family }) else {
            return nil
        }
        self.clusterIP = clusterIP
        externalIPs = entry.pointee.service.externalIPs.filter { $0.family == family }
        loadBalancerIPs = entry.pointee.service.loadBalancerIngress.compactMap { ingress -> IPAddress? in
            guard let ip = ingress.ip, ip.family == family else { return nil }
            if settings.skipProxyModeLoadBalancerIPs && ingress.ipMode == .proxy { return nil }
            return ip
        }
        sourceRanges = entry.pointee.service.loadBalancerSourceRanges.filter { $0.family == family }
        nodePort = entry.pointee.port.nodePort ?? 0
        externallyAccessible = nodePort != 0 || !loadBalancerIPs.isEmpty || !externalIPs.isEmpty
        internalPolicyLocal = entry.pointee.service.internalTrafficPolicy == .local
        externalPolicyLocal = entry.pointee.service.externalTrafficPolicy == .local
        let usesCluster = !internalPolicyLocal || externallyAccessible
        let usesLocal = internalPolicyLocal || (externalPolicyLocal && externallyAccessible)
        selection = EndpointSelection(endpoints: ServicePortEndpoints.endpoints(entry.pointee.endpoints, of: family),
                                      usesCluster: usesCluster, usesLocal: usesLocal, node: settings.node,
                                      useNodeHints: settings.useNodeHints)
        usesClusterPolicy = usesCluster && !selection.cluster.isEmpty
        usesLocalPolicy = usesLocal && !selection.local.isEmpty
        hasInternalEndpoints = selection.hasEndpoints && !(internalPolicyLocal && selection.local.isEmpty)
        hasExternalEndpoints = selection.hasEndpoints && !(externalPolicyLocal && selection.local.isEmpty)
        affinitySeconds = if case .clientIP(let seconds) = entry.pointee.service.sessionAffinity { seconds } else { nil }
    }
}
