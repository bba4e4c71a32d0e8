import ProxyCore
import ServiceModel

/// The rules one service port contributes to a ruleset: its capture rules in the shared
/// chains, and its own nat chains.
public struct ServicePortRules: Hashable, Sendable {
    public var name: ServicePortName
    /// nat KUBE-SERVICES: cluster IP, external IP and load balancer IP captures.
    public var natServices: [Rule] = []
    /// nat KUBE-NODEPORTS: the NodePort capture.
    public var natNodePorts: [Rule] = []
    /// filter KUBE-SERVICES: REJECT/DROP for the cluster IP without (local) endpoints.
    public var filterServices: [Rule] = []
    /// filter KUBE-EXTERNAL-SERVICES: REJECT/DROP for external destinations without
    /// (local) endpoints.
    public var filterExternalServices: [Rule] = []
    /// filter KUBE-NODEPORTS: the health-check node port ACCEPT.
    public var filterNodePorts: [Rule] = []
    /// filter KUBE-PROXY-FIREWALL: DROP for load balancer traffic KUBE-FW let fall through.
    public var filterProxyFirewall: [Rule] = []
    /// The port's own nat chains, in this order: KUBE-EXT, KUBE-FW, KUBE-SVC, KUBE-SVL and
    /// one KUBE-SEP per endpoint in use.
    public var chains: [Chain] = []

    public init(name: ServicePortName) {
        self.name = name
    }
}

/// The names of a service port's chains, hashed once.
struct ServicePortChains {
    let service: ChainName
    let serviceLocal: ChainName
    let external: ChainName
    let firewall: ChainName

    init(_ name: ServicePortName) {
        service = ChainName.service(name)
        serviceLocal = service.replacingPrefix("KUBE-SVC-", with: "KUBE-SVL-")
        external = service.replacingPrefix("KUBE-SVC-", with: "KUBE-EXT-")
        firewall = service.replacingPrefix("KUBE-SVC-", with: "KUBE-FW-")
    }
}

/// The KUBE-SEP chain names of a port's reachable endpoints, hashed once each, and the
/// endpoints' `ip:port` texts, written once each.
struct EndpointChains {
    let endpoints: [ServiceEndpoint]
    let texts: [String]
    let names: [ChainName]

    init(_ port: ServicePortName, _ endpoints: [ServiceEndpoint]) {
        self.endpoints = endpoints
        texts = endpoints.map(\.description)
        names = texts.map { ChainName.endpoint(port, $0) }
    }

    /// The texts and chain names of `subset`; `subset` holds reachable endpoints. The
    /// cluster set is usually the reachable set itself, which needs no lookup.
    func texts(of subset: [ServiceEndpoint]) -> (texts: [String], names: [ChainName]) {
        if subset == endpoints { return (texts, names) }
        let byEndpoint = Dictionary(uniqueKeysWithValues: zip(endpoints, zip(texts, names)))
        let found = subset.map { byEndpoint[$0]! }
        return (found.map(\.0), found.map(\.1))
    }
}

extension ServicePortRules {
    /// Plans one service port the way kube-proxy's iptables proxier does; `nil` when the
    /// Service has no cluster IP in the settings' family.
    ///
    /// - Parameter largeCluster: drop the comments of endpoint rules (kube-proxy does so
    ///   above 1,000 endpoints).
    public static func plan(_ entry: ServicePortEndpoints, settings: ProxySettings,
                            largeCluster: Bool = false) -> ServicePortRules? {
        withUnsafePointer(to: entry) { plan(entryAt: $0, settings: settings, largeCluster: largeCluster) }
    }

    /// ``plan(_:settings:largeCluster:)`` of the entry at `entry`, read in place, field by
    /// field: a copy of the entry would touch the reference count of every string and array
    /// its Service holds, and the planner runs on every core over entries made on one.
    static func plan(entryAt entry: UnsafePointer<ServicePortEndpoints>, settings: ProxySettings,
                     largeCluster: Bool) -> ServicePortRules? {
        guard let port = ServicePortDecisions(entryAt: entry, settings: settings) else { return nil }
        let clusterIP = port.clusterIP
        let proto = entry.pointee.port.protocol
        let servicePort = entry.pointee.port.port
        let spn = entry.pointee.name.description
        let chains = ServicePortChains(entry.pointee.name)
        var rules = ServicePortRules(name: entry.pointee.name)

        let (externalIPs, loadBalancerIPs, sourceRanges) = (port.externalIPs, port.loadBalancerIPs, port.sourceRanges)
        let nodePort = port.nodePort
        let (internalPolicyLocal, externalPolicyLocal) = (port.internalPolicyLocal, port.externalPolicyLocal)
        let selection = port.selection
        let hasEndpoints = selection.hasEndpoints
        let (usesClusterChain, usesLocalChain) = (port.usesClusterPolicy, port.usesLocalPolicy)

        let internalChain = internalPolicyLocal ? chains.serviceLocal : chains.service
        let hasInternalEndpoints = port.hasInternalEndpoints
        let externalPolicyChain = externalPolicyLocal ? chains.serviceLocal : chains.service
        let hasExternalEndpoints = port.hasExternalEndpoints
        let usesExternalChain = port.usesExternalChain
        let usesFirewallChain = hasEndpoints && !loadBalancerIPs.isEmpty && !sourceRanges.isEmpty
        let loadBalancerChain = usesFirewallChain ? chains.firewall : chains.external

        // What filter does with traffic nat did not capture.
        let noEndpoints = Match.comment("\(spn) has no endpoints")
        let noLocalEndpoints = Match.comment("\(spn) has no local endpoints")
        let internalFilter: (comment: Match, target: Target) =
            hasEndpoints ? (noLocalEndpoints, .drop) : (noEndpoints, .reject)
        let externalFilter = internalFilter

        func capture(_ comment: Match, _ destination: IPAddress, _ destinationPort: Int) -> [Match] {
            [comment, .protocol(proto), .destination(.host(destination)), .destinationPort(destinationPort)]
        }

        // 1. The cluster IP.
        let clusterIPComment = Match.comment("\(spn) cluster IP")
        if hasInternalEndpoints {
            rules.natServices.append(Rule(capture(clusterIPComment, clusterIP, servicePort), .jump(internalChain)))
        } else {
            rules.filterServices.append(Rule(capture(internalFilter.comment, clusterIP, servicePort),
                                             internalFilter.target))
        }

        // 2. External IPs.
        for externalIP in externalIPs {
            if hasEndpoints {
                rules.natServices.append(Rule(capture(.comment("\(spn) external IP"), externalIP, servicePort),
                                              .jump(chains.external)))
            }
            if !hasExternalEndpoints {
                rules.filterExternalServices.append(Rule(capture(externalFilter.comment, externalIP, servicePort),
                                                         externalFilter.target))
            }
        }

        // 3. Load balancer IPs.
        for loadBalancerIP in loadBalancerIPs {
            if hasEndpoints {
                rules.natServices.append(Rule(capture(.comment("\(spn) loadbalancer IP"), loadBalancerIP, servicePort),
                                              .jump(loadBalancerChain)))
            }
            if usesFirewallChain {
                let comment = Match.comment("\(spn) traffic not accepted by \(chains.firewall)")
                rules.filterProxyFirewall.append(Rule(capture(comment, loadBalancerIP, servicePort), .drop))
            }
        }
        if !hasExternalEndpoints {
            for loadBalancerIP in loadBalancerIPs {
                rules.filterExternalServices.append(Rule(capture(externalFilter.comment, loadBalancerIP, servicePort),
                                                         externalFilter.target))
            }
        }

        // 4. The NodePort.
        if nodePort != 0 {
            if hasEndpoints {
                rules.natNodePorts.append(Rule([.comment(spn), .protocol(proto), .destinationPort(nodePort)],
                                               .jump(chains.external)))
            }
            if !hasExternalEndpoints {
                rules.filterExternalServices.append(Rule([externalFilter.comment, .destinationIsLocal, .protocol(proto),
                                                          .destinationPort(nodePort)], externalFilter.target))
            }
        }

        // 5. The health-check node port, whether or not there are endpoints.
        if entry.pointee.service.type == .loadBalancer && externalPolicyLocal,
           let healthCheckPort = entry.pointee.service.healthCheckNodePort, healthCheckPort != 0 {
            rules.filterNodePorts.append(Rule([.comment("\(spn) health check node port"), .protocol(.tcp),
                                               .destinationPort(healthCheckPort)], .accept))
        }

        // 6. The port's own chains.
        var internalMasquerade: Rule?
        if hasInternalEndpoints {
            let matches = capture(clusterIPComment, clusterIP, servicePort)
            if settings.masqueradeAll {
                internalMasquerade = Rule(matches, .jump(.markMasquerade))
            } else if let detector = settings.localTrafficDetector {
                internalMasquerade = Rule(matches + [detector.ifNotLocal], .jump(.markMasquerade))
            }
        }

        if usesExternalChain {
            var external = Chain(chains.external)
            if !externalPolicyLocal {
                external.rules.append(Rule([.comment("masquerade traffic for \(spn) external destinations")],
                                           .jump(.markMasquerade)))
            } else {
                if let detector = settings.localTrafficDetector {
                    external.rules.append(Rule([.comment("pod traffic for \(spn) external destinations"), detector.ifLocal],
                                               .jump(chains.service)))
                }
                external.rules.append(Rule([.comment("masquerade LOCAL traffic for \(spn) external destinations"),
                                            .sourceIsLocal], .jump(.markMasquerade)))
                external.rules.append(Rule([.comment("route LOCAL traffic for \(spn) external destinations"),
                                            .sourceIsLocal], .jump(chains.service)))
            }
            if hasExternalEndpoints {
                external.rules.append(Rule([], .jump(externalPolicyChain)))
            }
            rules.chains.append(external)
        }

        if usesFirewallChain {
            var firewall = Chain(chains.firewall)
            let comment = Match.comment("\(spn) loadbalancer IP")
            var allowFromNode = false
            for range in sourceRanges {
                firewall.rules.append(Rule([comment, .source(.network(range))], .jump(chains.external)))
                if let nodeIP = settings.nodeIP, range.contains(nodeIP) { allowFromNode = true }
            }
            if allowFromNode {
                for loadBalancerIP in loadBalancerIPs {
                    firewall.rules.append(Rule([comment, .source(.host(loadBalancerIP))], .jump(chains.external)))
                }
            }
            firewall.rules.append(Rule([.comment("other traffic to \(spn) will be dropped by KUBE-PROXY-FIREWALL")], nil))
            rules.chains.append(firewall)
        }

        let endpointChains = EndpointChains(entry.pointee.name, selection.reachable)
        let affinity = port.affinitySeconds

        rules.chains.reserveCapacity(selection.reachable.count + 4)
        func dispatch(_ chain: ChainName, _ endpoints: [ServiceEndpoint]) -> Chain {
            var result = Chain(chain)
            result.rules.reserveCapacity(endpoints.count * (affinity == nil ? 1 : 2) + 1)
            if chain == internalChain, let internalMasquerade {
                result.rules.append(internalMasquerade)
            }
            let (texts, targets) = endpointChains.texts(of: endpoints)
            if let affinity {
                for (text, target) in zip(texts, targets) {
                    var matches: [Match] = largeCluster ? [] : [.comment("\(spn) -> \(text)")]
                    matches.append(.recent(name: target, .check(seconds: affinity)))
                    result.rules.append(Rule(matches, .jump(target)))
                }
            }
            for (index, text) in texts.enumerated() {
                // Each array allocated once, at its size.
                let matches: [Match] = switch (largeCluster, index < texts.count - 1) {
                case (true, false): []
                case (true, true): [.statistic(Probability(oneIn: texts.count - index))]
                case (false, false): [.comment("\(spn) -> \(text)")]
                case (false, true): [.comment("\(spn) -> \(text)"), .statistic(Probability(oneIn: texts.count - index))]
                }
                result.rules.append(Rule(matches, .jump(targets[index])))
            }
            return result
        }
        if usesClusterChain {
            rules.chains.append(dispatch(chains.service, selection.cluster))
        }
        if usesLocalChain {
            rules.chains.append(dispatch(chains.serviceLocal, selection.local))
        }

        let comment = Match.comment(spn)
        let reachable = selection.reachable
        for index in reachable.indices {
            // Read in place: an endpoint copy would touch five reference counts.
            let address = reachable[index].address, endpointPort = reachable[index].port
            let chain = endpointChains.names[index]
            // Each array allocated once, at its size.
            let source = Match.source(.host(address))
            let hairpin: [Match] = largeCluster ? [source] : [comment, source]
            let dnat: [Match] = switch (largeCluster, affinity != nil) {
            case (false, false): [comment, .protocol(proto)]
            case (false, true): [comment, .recent(name: chain, .set), .protocol(proto)]
            case (true, false): [.protocol(proto)]
            case (true, true): [.recent(name: chain, .set), .protocol(proto)]
            }
            rules.chains.append(Chain(chain, [
                Rule(hairpin, .jump(.markMasquerade)),
                Rule(dnat, .dnat(address, port: endpointPort)),
            ]))
        }
        return rules
    }
}
