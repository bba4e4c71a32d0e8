import ProxyCore
import ServiceModel

/// The part of the table every node has whatever its services: the base chains at
/// kube-proxy's priorities, the chains they jump to with their rules, the masquerade
/// chains, and the sets and verdict maps (without elements).
enum NftFixedTable {
    typealias Names = NftFixedNames

    /// Filter chains run before DNAT (to see the destination as sent), except the output
    /// one that checks cluster IPs after it.
    static let baseChains: [(name: String, hook: NftBaseChain)] = [
        (Names.filterPrerouting, NftBaseChain(.filter, .prerouting, priority: NftBaseChain.dstnatPriority - 10)),
        (Names.filterInput, NftBaseChain(.filter, .input, priority: NftBaseChain.dstnatPriority - 10)),
        (Names.filterForward, NftBaseChain(.filter, .forward, priority: NftBaseChain.dstnatPriority - 10)),
        (Names.filterOutput, NftBaseChain(.filter, .output, priority: NftBaseChain.dstnatPriority - 10)),
        (Names.filterOutputPostDNAT, NftBaseChain(.filter, .output, priority: NftBaseChain.dstnatPriority + 10)),
        (Names.natPrerouting, NftBaseChain(.nat, .prerouting, priority: NftBaseChain.dstnatPriority)),
        (Names.natOutput, NftBaseChain(.nat, .output, priority: NftBaseChain.dstnatPriority)),
        (Names.natPostrouting, NftBaseChain(.nat, .postrouting, priority: NftBaseChain.srcnatPriority)),
    ]

    /// Which base chain jumps to which chain, in kube-proxy's order; filter jumps only for
    /// the first packet of a connection.
    static let jumps: [(from: String, to: String, newOnly: Bool)] = [
        (Names.filterInput, Names.nodePortEndpointsCheck, true),
        (Names.filterInput, Names.serviceEndpointsCheck, true),
        (Names.filterForward, Names.serviceEndpointsCheck, true),
        (Names.filterOutput, Names.serviceEndpointsCheck, true),
        (Names.filterPrerouting, Names.firewallCheck, true),
        (Names.filterOutput, Names.firewallCheck, true),
        (Names.natOutput, Names.services, false),
        (Names.natPrerouting, Names.services, false),
        (Names.natPostrouting, Names.masquerading, false),
        (Names.filterForward, Names.clusterIPsCheck, true),
        (Names.filterOutputPostDNAT, Names.clusterIPsCheck, true),
    ]

    /// The fixed chains, sets and maps for `settings`.
    ///
    /// - Parameter serviceCIDRs: the cluster's service ranges of the family (ServiceCIDR
    ///   objects); traffic to an address in them that is no cluster IP is dropped. Empty
    ///   when unknown, as kube-proxy leaves the rule out then.
    static func make(settings: ProxySettings, serviceCIDRs: [IPPrefix]) -> NftRuleset {
        let family = settings.family
        let mark = settings.masqueradeMark.value
        var chains = baseChains.map { NftChain($0.name, hook: $0.hook) }
        func append(_ rule: NftRule, to name: String) {
            if let index = chains.firstIndex(where: { $0.name == name }) {
                chains[index].rules.append(rule)
            } else {
                chains.append(NftChain(name, rules: [rule]))
            }
        }
        for jump in jumps {
            append(NftRule(jump.newOnly ? [.connectionIsNew] : [], .verdict(.jump(jump.to))), to: jump.from)
        }
        append(NftRule(.setMark(mark)), to: Names.markForMasquerade)
        append(NftRule([.markClear(mark)], .verdict(.return)), to: Names.masquerading)
        append(NftRule(.toggleMark(mark)), to: Names.masquerading)
        append(NftRule(.masquerade(fullyRandom: true)), to: Names.masquerading)

        append(NftRule([.destination(.inSet(Names.clusterIPs))], .verdict(.reject),
                       comment: "Reject traffic to invalid ports of ClusterIPs"), to: Names.clusterIPsCheck)
        let ranges = serviceCIDRs.filter { $0.family == family }
        if !ranges.isEmpty {
            append(NftRule([.destination(NftAddressTest(.anonymousSet(ranges.map { .network($0) })))], .verdict(.drop),
                           comment: "Drop traffic to unallocated ClusterIPs"), to: Names.clusterIPsCheck)
        }
        chains.append(NftChain(Names.rejectChain, comment: "helper for @no-endpoint-services / @no-endpoint-nodeports",
                               rules: [NftRule(.verdict(.reject))]))
        append(NftRule(.destinationMap(Names.noEndpointServices)), to: Names.serviceEndpointsCheck)

        // NodePorts: on every local address but loopback, or on the addresses of the set.
        let nodePortDestination: [NftMatch]
        var sets = [NftSet(Names.clusterIPs, comment: "Active ClusterIPs")]
        switch settings.nodePortAddresses {
        case .all:
            let loopback: AddressMatch = family == .ipv4 ? .network(IPPrefix("127.0.0.0/8")!) : .host(IPAddress("::1")!)
            nodePortDestination = [.destination(.notEqual(loopback))]
            append(NftRule(nodePortDestination, .portMap(Names.noEndpointNodePorts)), to: Names.nodePortEndpointsCheck)
            append(NftRule(.destinationMap(Names.firewallIPs)), to: Names.firewallCheck)
            append(NftRule(.destinationMap(Names.serviceIPs)), to: Names.services)
            append(NftRule([.destinationIsLocal] + nodePortDestination, .portMap(Names.serviceNodePorts)),
                   to: Names.services)
        case .only(let addresses):
            nodePortDestination = [.destination(.inSet(Names.nodePortIPs))]
            sets.append(NftSet(Names.nodePortIPs, comment: "IPs that accept NodePort traffic",
                               elements: addresses.filter { !$0.isLoopback }))
            append(NftRule(nodePortDestination, .portMap(Names.noEndpointNodePorts)), to: Names.nodePortEndpointsCheck)
            append(NftRule(.destinationMap(Names.firewallIPs)), to: Names.firewallCheck)
            append(NftRule(.destinationMap(Names.serviceIPs)), to: Names.services)
            append(NftRule(nodePortDestination, .portMap(Names.serviceNodePorts)), to: Names.services)
        }
        let maps = [
            NftMap(Names.noEndpointServices, key: .addressProtocolPort,
                   comment: "vmap to drop or reject packets to services with no endpoints"),
            NftMap(Names.noEndpointNodePorts, key: .protocolPort,
                   comment: "vmap to drop or reject packets to service nodeports with no endpoints"),
            NftMap(Names.firewallIPs, key: .addressProtocolPort,
                   comment: "destinations that are subject to LoadBalancerSourceRanges"),
            NftMap(Names.serviceIPs, key: .addressProtocolPort, comment: "ClusterIP, ExternalIP and LoadBalancer IP traffic"),
            NftMap(Names.serviceNodePorts, key: .protocolPort, comment: "NodePort traffic"),
        ]
        return NftRuleset(family: family, chains: chains, sets: sets, maps: maps)
    }
}
