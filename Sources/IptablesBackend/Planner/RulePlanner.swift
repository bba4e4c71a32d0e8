import ProxyCore
import ServiceModel

/// Plans the full ruleset kube-proxy's iptables mode would write for one IP family: the
/// fixed chains and rules, and every service port's rules, in a deterministic order
/// (service ports sorted by namespace, name, port name and protocol).
///
/// ```swift
/// let planner = RulePlanner(settings: ProxySettings(configuration: config, node: node, family: .ipv4))
/// let ruleset = planner.plan(ServiceCatalog(services: …, endpointSlices: …, localNodeName: node.name))
/// print(RestoreRenderer.text(ruleset))
/// ```
public struct RulePlanner: Sendable {
    /// Above this many endpoints kube-proxy drops the comments of endpoint rules.
    public static let largeClusterEndpointThreshold = 1000

    public var settings: ProxySettings
    /// How KUBE-SERVICES (nat and filter) is laid out: kube-proxy's single list, or a tree by
    /// destination prefix. Not part of the KubeProxyConfiguration; linear unless asked for.
    public var serviceDispatch: ServiceDispatch

    public init(settings: ProxySettings, serviceDispatch: ServiceDispatch = .linear) {
        self.settings = settings
        self.serviceDispatch = serviceDispatch
    }

    /// The full ruleset for a catalog.
    public func plan(_ catalog: ServiceCatalog) -> Ruleset {
        var runs = planPorts(catalog, into: CombinedPortRules()) { combined, rules in combined.append(rules) }
        return assemble(moving: &runs)
    }

    /// Whether kube-proxy would be in large-cluster mode for this catalog: more than 1,000
    /// endpoints of the family over the service ports that have a cluster IP in it.
    public func isLargeCluster(_ catalog: ServiceCatalog) -> Bool {
        var total = 0
        let family = settings.family
        // By index, so the entries are read in place, not copied.
        let entries = catalog.servicePorts
        for index in entries.indices {
            guard entries[index].service.clusterIPs.contains(where: { $0.family == family }) else { continue }
            let endpoints = entries[index].endpoints
            for endpoint in endpoints.indices where endpoints[endpoint].address.family == family {
                total += 1
            }
        }
        return total > Self.largeClusterEndpointThreshold
    }

    /// Every service port's rules, in catalog order; ports without a cluster IP of the
    /// family are left out.
    ///
    /// Large catalogs are planned on every core: each port's rules depend on that port alone.
    public func servicePortRules(_ catalog: ServiceCatalog) -> [ServicePortRules] {
        planPorts(catalog, into: [ServicePortRules]()) { ports, rules in ports.append(rules) }
            .reduce(into: []) { $0 += $1 }
    }

    /// Plans every port of the catalog, in contiguous runs on every core, and hands each
    /// port's rules, in order, to `keep` with its run's accumulator.
    private func planPorts<Accumulator: Sendable>(
        _ catalog: ServiceCatalog, into initial: Accumulator,
        _ keep: @Sendable (inout Accumulator, consuming ServicePortRules) -> Void
    ) -> [Accumulator] {
        let largeCluster = isLargeCluster(catalog)
        let settings = settings
        // Through the buffer, so each entry is read in place rather than copied.
        return catalog.servicePorts.withUnsafeBufferPointer { entries in
            nonisolated(unsafe) let entries = entries.baseAddress
            return concurrentRuns(count: catalog.servicePorts.count, initial: initial) { accumulator, index in
                if let rules = ServicePortRules.plan(entryAt: entries! + index, settings: settings,
                                                     largeCluster: largeCluster) {
                    keep(&accumulator, rules)
                }
            }
        }
    }

    /// The ruleset made of the fixed chains and these service ports' rules, in this order.
    public func assemble(_ ports: [ServicePortRules]) -> Ruleset {
        var combined = CombinedPortRules()
        for port in ports { combined.append(port) }
        var runs = [combined]
        return assemble(moving: &runs)
    }

    /// The ruleset of the fixed chains and these runs' rules, in this order; the runs'
    /// rules and chains are moved into it, not copied, and the runs are left with empty
    /// stand-ins.
    private func assemble(moving runs: inout [CombinedPortRules]) -> Ruleset {
        Ruleset(family: settings.family, tables: [filterTable(&runs), natTable(&runs)])
    }

    private var mark: PacketMark { settings.masqueradeMark }

    private func filterTable(_ ports: inout [CombinedPortRules]) -> TableRules {
        var services = Chain(.services, .concatenating([], moving: \.filterServices, of: &ports, filler: .filler))
        let externalServices = Chain(.externalServices,
                                     .concatenating([], moving: \.filterExternalServices, of: &ports, filler: .filler))
        let nodePorts = Chain(.nodePorts, .concatenating([], moving: \.filterNodePorts, of: &ports, filler: .filler))
        let proxyFirewall = Chain(.proxyFirewall,
                                  .concatenating([], moving: \.filterProxyFirewall, of: &ports, filler: .filler))

        var forward = Chain(.forward)
        if settings.host.dropInvalidConntrack {
            forward.rules.append(Rule([.conntrackState([.invalid])], .drop))
        }
        forward.rules.append(Rule([.comment("kubernetes forwarding rules"), .mark(mark)], .accept))
        forward.rules.append(Rule([.comment("kubernetes forwarding conntrack rule"),
                                   .conntrackState([.related, .established])], .accept))

        let tree = dispatchTree(&services)
        var chains = [services, externalServices, forward, nodePorts, proxyFirewall]
        if settings.localhostNodePorts {
            let localnet = AddressMatch.network(IPPrefix("127.0.0.0/8")!)
            chains.append(Chain(.firewall, [
                Rule([.comment("block incoming localnet connections"), .destination(localnet),
                      .source(localnet, negated: true),
                      .conntrackState([.related, .established, .dnat], negated: true)], .drop),
            ]))
        }
        return TableRules(.filter, chains: chains + tree)
    }

    private func natTable(_ ports: inout [CombinedPortRules]) -> TableRules {
        var services = Chain(.services, .concatenating([], moving: \.natServices, of: &ports, filler: .filler))
        let nodePorts = Chain(.nodePorts, .concatenating([], moving: \.natNodePorts, of: &ports, filler: .filler))
        let tree = dispatchTree(&services)
        services.rules += nodePortsTail()

        let postrouting = Chain(.postrouting, [
            Rule([.mark(mark, negated: true)], .return),
            Rule([], .xorMark(mark.value)),
            Rule([.comment("kubernetes service traffic requiring SNAT")],
                 .masquerade(randomFully: settings.host.masqueradeRandomFully)),
        ])
        let markMasquerade = Chain(.markMasquerade, [Rule([], .orMark(mark.value))])
        // The per-service chains, then the tree's, so the incremental planner's offsets into
        // the per-service chains hold.
        let chains = [Chain].concatenating([services, nodePorts, postrouting, markMasquerade], moving: \.chains,
                                           of: &ports, filler: Chain(.services), suffix: tree)
        return TableRules(.nat, chains: chains)
    }

    /// With tree dispatch, replaces the capture rules of a KUBE-SERVICES chain by the top of
    /// the tree and returns the tree's chains; with linear dispatch, returns none.
    private func dispatchTree(_ services: inout Chain) -> [Chain] {
        guard serviceDispatch == .tree,
              let tree = DispatchTree.split(services.rules, family: settings.family) else { return [] }
        services.rules = tree.rules
        return tree.chains
    }

    /// The last rules of nat KUBE-SERVICES: traffic to a node address goes on to KUBE-NODEPORTS.
    private func nodePortsTail() -> [Rule] {
        let comment = Match.comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain")
        switch settings.nodePortAddresses {
        case .all:
            var matches = [comment, .destinationIsLocal]
            if settings.family == .ipv6 {
                matches.append(.destination(.network(IPPrefix("::1/128")!), negated: true))
            } else if !settings.localhostNodePorts {
                matches.append(.destination(.network(IPPrefix("127.0.0.0/8")!), negated: true))
            }
            return [Rule(matches, .jump(.nodePorts))]
        case .only(let addresses):
            return addresses.compactMap { address in
                if address.isLoopback && (settings.family == .ipv6 || !settings.localhostNodePorts) { return nil }
                return Rule([comment, .destination(.host(address))], .jump(.nodePorts))
            }
        }
    }
}
