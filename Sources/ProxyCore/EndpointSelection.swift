import ServiceModel

/// The endpoints one service port sends traffic to, split the way kube-proxy splits them
/// (its `CategorizeEndpoints`).
///
/// - The cluster set (traffic policy Cluster) holds the ready endpoints, narrowed by
///   topology hints when every ready endpoint has hints and one names this node (or its
///   zone); if no endpoint is ready, the serving-and-terminating ones anywhere.
/// - The local set (traffic policy Local) holds the ready endpoints on this node, or else
///   its serving-and-terminating ones. Topology never narrows it.
/// - An endpoint neither ready nor serving while terminating is never used.
public struct EndpointSelection: Hashable, Sendable {
    public var cluster: [ServiceEndpoint] = []
    public var local: [ServiceEndpoint] = []
    /// The union of the two sets that are in use: every endpoint that gets a KUBE-SEP chain.
    public var reachable: [ServiceEndpoint] = []
    /// Whether any endpoint anywhere can serve (``ServiceEndpoint/canServe``). Without one
    /// the service port gets REJECT rules and no nat chains.
    public var hasEndpoints = false

    /// - Parameters:
    ///   - usesCluster: the port needs the cluster set (internal policy Cluster, or
    ///     externally accessible).
    ///   - usesLocal: the port needs the local set (internal policy Local, or external
    ///     policy Local on an externally accessible port).
    public init(endpoints: [ServiceEndpoint], usesCluster: Bool, usesLocal: Bool, node: ProxyNode,
                useNodeHints: Bool) {
        hasEndpoints = endpoints.contains { $0.canServe }
        var topology: Topology = .none
        if usesCluster {
            topology = Topology(endpoints, node: node, useNodeHints: useNodeHints)
            if topology == .none && endpoints.allSatisfy(\.isReady) {
                cluster = endpoints  // the common case, without a copy
            } else {
                cluster = endpoints.filter { $0.isReady && topology.admits($0, node: node) }
            }
            if cluster.isEmpty {
                cluster = endpoints.filter { $0.isServing && $0.isTerminating }
            }
        }
        guard usesLocal else {
            reachable = cluster
            return
        }

        var hasLocalReady = false
        var hasLocalServingTerminating = false
        for endpoint in endpoints {
            if endpoint.isReady {
                if endpoint.nodeName == node.name { hasLocalReady = true }
            } else if endpoint.isServing && endpoint.isTerminating {
                if endpoint.nodeName == node.name { hasLocalServingTerminating = true }
            }
        }
        var localIsTerminating = false
        if hasLocalReady {
            local = endpoints.filter { $0.nodeName == node.name && $0.isReady }
        } else if hasLocalServingTerminating {
            localIsTerminating = true
            local = endpoints.filter { $0.nodeName == node.name && $0.isServing && $0.isTerminating }
        }

        guard usesCluster else {
            reachable = local
            return
        }
        if topology == .none && !localIsTerminating {
            // Every ready endpoint is in the cluster set, so it holds the local set too.
            reachable = cluster
            return
        }
        var seen = Set<String>()
        reachable = (cluster + local).filter { seen.insert($0.description).inserted }.sorted()
    }

    /// Which topology hints narrow the cluster set.
    enum Topology: Hashable {
        case none
        case sameNode
        case sameZone(String)

        init(_ endpoints: [ServiceEndpoint], node: ProxyNode, useNodeHints: Bool) {
            var allHaveNodeHints = true
            var hasNodeHint = false
            var allHaveZoneHints = true
            var hasZoneHint = false
            for endpoint in endpoints where endpoint.isReady {
                if let nodes = endpoint.nodeHints, !nodes.isEmpty {
                    if nodes.contains(node.name) { hasNodeHint = true }
                } else {
                    allHaveNodeHints = false
                }
                if let zones = endpoint.zoneHints, !zones.isEmpty {
                    if let zone = node.zone, zones.contains(zone) { hasZoneHint = true }
                } else {
                    allHaveZoneHints = false
                }
            }
            if useNodeHints && allHaveNodeHints && hasNodeHint {
                self = .sameNode
            } else if allHaveZoneHints && hasZoneHint, let zone = node.zone {
                self = .sameZone(zone)
            } else {
                self = .none
            }
        }

        func admits(_ endpoint: ServiceEndpoint, node: ProxyNode) -> Bool {
            switch self {
            case .none: return true
            case .sameNode: return endpoint.nodeHints?.contains(node.name) ?? false
            case .sameZone(let zone): return endpoint.zoneHints?.contains(zone) ?? false
            }
        }
    }
}
