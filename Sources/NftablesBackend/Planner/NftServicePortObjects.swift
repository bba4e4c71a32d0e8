import ProxyCore
import ServiceModel

/// What one service port puts in the table: its chains and affinity sets, and its elements
/// in the shared sets and maps. Planned on its own, so a partial sync rewrites only the
/// ports that changed and changes elements by difference.
public struct NftServicePortObjects: Hashable, Sendable {
    public var name: ServicePortName
    /// `service-`, `local-`, `external-`, `firewall-` and `endpoint-` chains.
    public var chains: [NftChain] = []
    /// One `affinity-` set per endpoint in use, with ClientIP affinity.
    public var affinitySets: [NftSet] = []
    /// Elements of the shared sets (`cluster-ips`), by set name.
    public var setElements: [String: [IPAddress]] = [:]
    /// Elements of the verdict maps, by map name.
    public var mapElements: [String: [NftMap.Element]] = [:]

    public init(name: ServicePortName) {
        self.name = name
    }
}

extension NftServicePortObjects {
    typealias Names = NftFixedNames

    /// Plans one service port as kube-proxy's nftables proxier does; `nil` when the Service
    /// has no cluster IP in the settings' family.
    public static func plan(_ entry: ServicePortEndpoints, settings: ProxySettings) -> NftServicePortObjects? {
        guard let port = withUnsafePointer(to: entry, { ServicePortDecisions(entryAt: $0, settings: settings) }) else {
            return nil
        }
        return plan(entry, port, settings: settings)
    }

    private static func plan(_ entry: ServicePortEndpoints, _ port: ServicePortDecisions,
                             settings: ProxySettings) -> NftServicePortObjects {
        let name = entry.name
        var objects = NftServicePortObjects(name: name)
        objects.addElements(entry, port)
        let clusterPolicy = NftChainName.clusterPolicy(name)
        let localPolicy = NftChainName.localPolicy(name)
        let internalChain = port.internalPolicyLocal ? localPolicy : clusterPolicy

        // Masquerade traffic to the cluster IP that does not come from a pod here (or all
        // of it, with masqueradeAll); it goes first in the internal policy chain.
        var internalMasquerade: NftRule?
        if port.hasInternalEndpoints {
            let capture: [NftMatch] = [.destination(.equal(.host(port.clusterIP))),
                                       .destinationPort(entry.port.protocol, entry.port.port)]
            if settings.masqueradeAll {
                internalMasquerade = NftRule(capture, .verdict(.jump(Names.markForMasquerade)))
            } else if let detector = settings.localTrafficDetector {
                internalMasquerade = NftRule(capture + [detector.notLocal],
                                             .verdict(.jump(Names.markForMasquerade)))
            }
        }
        if port.usesExternalChain {
            objects.chains.append(externalChain(name, port, settings: settings))
        }
        if !port.loadBalancerIPs.isEmpty && !port.sourceRanges.isEmpty {
            objects.chains.append(firewallChain(name, port, settings: settings))
        }
        if let seconds = port.affinitySeconds {
            objects.affinitySets = port.selection.reachable.map {
                NftSet(NftChainName.affinity(name, $0), timeoutSeconds: seconds)
            }
        }
        func policyChain(_ chain: String, _ endpoints: [ServiceEndpoint]) -> NftChain {
            var result = NftChain(chain)
            if chain == internalChain, let internalMasquerade { result.rules.append(internalMasquerade) }
            if port.affinitySeconds != nil {
                for endpoint in endpoints {
                    result.rules.append(NftRule([.source(.inSet(NftChainName.affinity(name, endpoint)))],
                                                .verdict(.goto(NftChainName.endpoint(name, endpoint)))))
                }
            }
            result.rules.append(NftRule(.randomChain(endpoints.map { NftChainName.endpoint(name, $0) })))
            return result
        }
        if port.usesClusterPolicy { objects.chains.append(policyChain(clusterPolicy, port.selection.cluster)) }
        if port.usesLocalPolicy { objects.chains.append(policyChain(localPolicy, port.selection.local)) }

        for endpoint in port.selection.reachable {
            var rules = [NftRule([.source(.equal(.host(endpoint.address)))], .verdict(.jump(Names.markForMasquerade)))]
            if port.affinitySeconds != nil {
                rules.append(NftRule(.rememberSource(inSet: NftChainName.affinity(name, endpoint))))
            }
            rules.append(NftRule(.dnat(entry.port.protocol, endpoint.address, endpoint.port)))
            objects.chains.append(NftChain(NftChainName.endpoint(name, endpoint), rules: rules))
        }
        return objects
    }

    /// The port's elements: its cluster IP, where each destination goes, and what happens
    /// to traffic that has no endpoint to go to.
    private mutating func addElements(_ entry: ServicePortEndpoints, _ port: ServicePortDecisions) {
        let name = entry.name, proto = entry.port.protocol, servicePort = entry.port.port
        let external = NftVerdict.goto(NftChainName.external(name))
        // Without any endpoint, reject; without one for this kind of traffic, drop.
        let internalFilter: NftVerdict = port.hasEndpoints ? .drop : .goto(Names.rejectChain)
        let externalFilter = internalFilter
        func element(_ address: IPAddress?, _ port: Int, _ verdict: NftVerdict, comment: Bool = false) -> NftMap.Element {
            NftMap.Element(address: address, protocol: proto, port: port, verdict: verdict,
                           comment: comment ? name.description : nil)
        }
        setElements[Names.clusterIPs, default: []].append(port.clusterIP)
        if port.hasInternalEndpoints {
            let internalChain = port.internalPolicyLocal ? NftChainName.localPolicy(name) : NftChainName.clusterPolicy(name)
            mapElements[Names.serviceIPs, default: []].append(element(port.clusterIP, servicePort, .goto(internalChain)))
        } else {
            mapElements[Names.noEndpointServices, default: []]
                .append(element(port.clusterIP, servicePort, internalFilter, comment: true))
        }
        for address in port.externalIPs {
            if port.hasEndpoints {
                mapElements[Names.serviceIPs, default: []].append(element(address, servicePort, external))
            }
            if !port.hasExternalEndpoints {
                mapElements[Names.noEndpointServices, default: []]
                    .append(element(address, servicePort, externalFilter, comment: true))
            }
        }
        let usesFirewall = !port.loadBalancerIPs.isEmpty && !port.sourceRanges.isEmpty
        for address in port.loadBalancerIPs {
            if port.hasEndpoints {
                mapElements[Names.serviceIPs, default: []].append(element(address, servicePort, external))
            }
            if usesFirewall {
                mapElements[Names.firewallIPs, default: []]
                    .append(element(address, servicePort, .goto(NftChainName.firewall(name))))
            }
        }
        if !port.hasExternalEndpoints {
            for address in port.loadBalancerIPs {
                mapElements[Names.noEndpointServices, default: []]
                    .append(element(address, servicePort, externalFilter, comment: true))
            }
        }
        if port.nodePort != 0 {
            if port.hasEndpoints {
                mapElements[Names.serviceNodePorts, default: []].append(element(nil, port.nodePort, external))
            }
            if !port.hasExternalEndpoints {
                mapElements[Names.noEndpointNodePorts, default: []]
                    .append(element(nil, port.nodePort, externalFilter, comment: true))
            }
        }
    }

    /// `external-…`: masquerade and go on to the external policy's endpoints; with
    /// externalTrafficPolicy Local, pods and this host still reach every endpoint.
    private static func externalChain(_ name: ServicePortName, _ port: ServicePortDecisions,
                                      settings: ProxySettings) -> NftChain {
        let clusterPolicy = NftChainName.clusterPolicy(name)
        var chain = NftChain(NftChainName.external(name))
        if !port.externalPolicyLocal {
            chain.rules.append(NftRule(.verdict(.jump(Names.markForMasquerade))))
        } else {
            if let detector = settings.localTrafficDetector {
                chain.rules.append(NftRule([detector.local], .verdict(.goto(clusterPolicy)),
                                           comment: "short-circuit pod traffic"))
            }
            chain.rules.append(NftRule([.sourceIsLocal], .verdict(.jump(Names.markForMasquerade)),
                                       comment: "masquerade local traffic"))
            chain.rules.append(NftRule([.sourceIsLocal], .verdict(.goto(clusterPolicy)),
                                       comment: "short-circuit local traffic"))
        }
        if port.hasExternalEndpoints {
            let policy = port.externalPolicyLocal ? NftChainName.localPolicy(name) : clusterPolicy
            chain.rules.append(NftRule(.verdict(.goto(policy))))
        }
        return chain
    }

    /// `firewall-…`: drop load-balancer traffic from outside the source ranges (the node
    /// itself stays allowed when its IP is in a range: a load-balancer IP bound on the node
    /// loops back with that IP as source).
    private static func firewallChain(_ name: ServicePortName, _ port: ServicePortDecisions,
                                      settings: ProxySettings) -> NftChain {
        var sources: [AddressMatch] = port.sourceRanges.map { .network($0) }
        if let nodeIP = settings.nodeIP, port.sourceRanges.contains(where: { $0.contains(nodeIP) }) {
            sources += port.loadBalancerIPs.map { .host($0) }
        }
        return NftChain(NftChainName.firewall(name),
                        rules: [NftRule([.source(NftAddressTest(.anonymousSet(sources), negated: true))], .verdict(.drop))])
    }
}
