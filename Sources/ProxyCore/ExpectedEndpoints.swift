import ServiceModel

/// Which endpoints traffic of each policy may reach, restated for the verifier one endpoint
/// at a time from the rules kube-proxy follows (its `CategorizeEndpoints`, the
/// traffic-policy and topology-aware-routing documentation). It is written apart from
/// ``EndpointSelection``, which builds the planner's sets for speed, so that a mistake in
/// either shows up as a disagreement between the rules and the traced packets, and in the
/// tests that hold the two against each other.
public struct ExpectedEndpoints: Sendable {
    public enum Policy: Sendable {
        /// `Cluster`: any endpoint in the cluster, narrowed by topology hints.
        case cluster
        /// `Local`: only endpoints on this node; hints play no part.
        case local
    }

    public let endpoints: [ServiceEndpoint]
    public let node: ProxyNode
    /// Whether node hints count (kube-proxy's PreferSameTrafficDistribution).
    public let useNodeHints: Bool

    public init(endpoints: [ServiceEndpoint], node: ProxyNode, useNodeHints: Bool) {
        self.endpoints = endpoints
        self.node = node
        self.useNodeHints = useNodeHints
    }

    /// Whether any endpoint anywhere can take traffic: one that is ready, or serving while
    /// terminating. Without one, traffic is rejected whatever the policy.
    public var anyCanServe: Bool {
        endpoints.contains { $0.isReady || ($0.isServing && $0.isTerminating) }
    }

    /// The endpoints `policy` sends to, in endpoint order; empty when it sends nowhere.
    public func reached(by policy: Policy) -> [ServiceEndpoint] {
        switch policy {
        case .cluster:
            // 1. A ready endpoint is used when the hints in force (if any) name this node
            //    or its zone for it.
            let admitted = hintInForce
            let ready = endpoints.filter { $0.isReady && (admitted?($0) ?? true) }
            if !ready.isEmpty { return ready }
            // 2. Only when none is: every endpoint that still serves while terminating,
            //    wherever it is.
            return endpoints.filter { $0.isServing && $0.isTerminating }
        case .local:
            // 3. Ready endpoints on this node; else those on this node that serve while
            //    terminating.
            let here = endpoints.filter { $0.nodeName == node.name }
            let ready = here.filter(\.isReady)
            return ready.isEmpty ? here.filter { $0.isServing && $0.isTerminating } : ready
        }
    }

    /// The topology hint that decides, if one does: node hints when they count, every ready
    /// endpoint has some, and one names this node; else zone hints when every ready
    /// endpoint has some and one names this node's zone. An endpoint without hints, or
    /// hints that name no endpoint for here, turn topology off for the whole port.
    private var hintInForce: ((ServiceEndpoint) -> Bool)? {
        let ready = endpoints.filter(\.isReady)
        func decides(_ hints: @escaping (ServiceEndpoint) -> [String]?, _ here: String?) -> ((ServiceEndpoint) -> Bool)? {
            guard let here, ready.allSatisfy({ !(hints($0) ?? []).isEmpty }),
                  ready.contains(where: { hints($0)?.contains(here) == true }) else { return nil }
            return { hints($0)?.contains(here) == true }
        }
        return (useNodeHints ? decides(\.nodeHints, node.name) : nil) ?? decides(\.zoneHints, node.zone)
    }
}
