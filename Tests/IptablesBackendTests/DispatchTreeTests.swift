import IptablesBackend
import KProxyTestSupport
import ProxyCore
import ServiceModel
import Testing

/// Tree dispatch (`--service-dispatch tree`) changes how many rules a packet meets, never
/// where it goes: checked with the verifier and by tracing the same packets through the
/// linear and the tree plan, on every fixture and on generated clusters large enough to
/// split.
@Suite struct DispatchTreeTests {
    static func plans(_ yaml: String, configuration: KubeProxyConfiguration, family: IPFamily)
        throws -> (linear: Ruleset, tree: Ruleset, settings: ProxySettings, catalog: ServiceCatalog) {
        let manifests = try ManifestLoader.load(bytes: Array(yaml.utf8), file: "generated.yaml")
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                                     localNodeName: testNode.name)
        let settings = ProxySettings(configuration: configuration, node: testNode, family: family)
        let linear = RulePlanner(settings: settings).plan(catalog)
        return (linear, RulePlanner(settings: settings, serviceDispatch: .tree).plan(catalog), settings, catalog)
    }

    /// Packets to every captured address and port, to their neighbours (one address up, one
    /// port up), from a pod, from the node and from outside.
    static func probes(_ linear: Ruleset, settings: ProxySettings) -> [TracedPacket] {
        let family = settings.family
        let pod = IPAddress(family == .ipv4 ? "10.244.1.77" : "fd00:10:244:1::77")!
        let outside = IPAddress(family == .ipv4 ? "192.0.2.10" : "2001:db8::10")!
        var packets: [TracedPacket] = []
        for rule in linear[.nat]?[.services]?.rules ?? [] {
            var destination: IPAddress?
            var port: Int?
            var proto = L4Protocol.tcp
            for match in rule.matches {
                switch match {
                case .destination(.host(let address), false): destination = address
                case .destinationPort(let value): port = value
                case .protocol(let value): proto = value
                default: break
                }
            }
            guard let destination, let port else { continue }
            let neighbour = Neighbour.after(destination)
            for (address, destinationPort) in [(destination, port), (neighbour, port), (destination, port + 1)] {
                for (source, entry) in [(pod, TracedPacket.Entry.pod(detector: settings.localTrafficDetector)),
                                        (settings.node.addresses.first { $0.family == family }!, .local),
                                        (outside, .interface("eth0"))] {
                    packets.append(TracedPacket(source: source, destination: address, protocol: proto,
                                                destinationPort: destinationPort, entry: entry))
                }
            }
        }
        return packets
    }

    /// Traces every probe through both plans and expects the same outcomes; returns the mean
    /// number of rules a probe was checked against in each.
    static func expectSameOutcomes(_ linear: Ruleset, _ tree: Ruleset, settings: ProxySettings,
                                   sourceLocation: SourceLocation = #_sourceLocation) -> (linear: Double, tree: Double) {
        let linearTracer = PacketTracer(ruleset: linear, localAddresses: settings.node.addresses)
        let treeTracer = PacketTracer(ruleset: tree, localAddresses: settings.node.addresses)
        var total = (linear: 0.0, tree: 0.0)
        let packets = probes(linear, settings: settings)
        for packet in packets {
            let expected = linearTracer.trace(packet)
            let actual = treeTracer.trace(packet)
            #expect(actual.outcomes == expected.outcomes, "\(packet)", sourceLocation: sourceLocation)
            total = (total.linear + expected.rulesEvaluated, total.tree + actual.rulesEvaluated)
        }
        let count = Double(max(1, packets.count))
        return (total.linear / count, total.tree / count)
    }

    @Test(arguments: FixtureRun.all)
    func fixturesKeepTheirOutcomes(_ run: FixtureRun) throws {
        let (linear, settings, catalog) = try planned(run)
        let tree = RulePlanner(settings: settings, serviceDispatch: .tree).plan(catalog)
        let (mismatches, _) = RulesetVerifier(settings: settings).verify(tree, catalog: catalog)
        #expect(mismatches.isEmpty, "\(mismatches.map(\.description).joined(separator: "\n"))")
        _ = Self.expectSameOutcomes(linear, tree, settings: settings)
    }

    @Test(arguments: [(UInt64(1), IPFamily.ipv4), (2, .ipv6), (3, .ipv4)])
    func generatedClustersKeepTheirOutcomes(seed: UInt64, family: IPFamily) throws {
        var generator = ClusterGenerator(seed: seed)
        let cluster = generator.cluster(services: 300)
        let (linear, tree, settings, catalog) = try Self.plans(cluster.yaml(family: family),
                                                               configuration: cluster.configuration, family: family)
        let treeChains = tree[.nat]!.chains.filter { $0.name.hasPrefix("KPROXY-SVCS-") }
        #expect(treeChains.count > 10, "the cluster is large enough to split")
        #expect(treeChains.allSatisfy { $0.rules.count <= 16 })
        let (mismatches, flows) = RulesetVerifier(settings: settings).verify(tree, catalog: catalog)
        #expect(flows > 300)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5).map(\.description).joined(separator: "\n"))")
        let mean = Self.expectSameOutcomes(linear, tree, settings: settings)
        // Packets meet far fewer rules. (NodePorts and filter's KUBE-EXTERNAL-SERVICES stay
        // lists, so not every probe gains.)
        #expect(mean.tree * 2 < mean.linear, "tree \(mean.tree) rules, linear \(mean.linear)")
    }

    /// A tree is a plan like any other: deterministic, and restorable by the real parser.
    @Test func treeChainsAreOwnedAndStaleOnesDeleted() throws {
        var generator = ClusterGenerator(seed: 4)
        let cluster = generator.cluster(services: 200)
        let (_, tree, _, _) = try Self.plans(cluster.yaml(family: .ipv4), configuration: cluster.configuration, family: .ipv4)
        for chain in tree[.nat]!.chains where chain.name.hasPrefix("KPROXY-SVCS-") {
            #expect(ChainName.isOwned(chain.name.description) && chain.name.isServiceChain)
        }
        let again = try Self.plans(cluster.yaml(family: .ipv4), configuration: cluster.configuration, family: .ipv4)
        #expect(again.tree == tree)
    }
}

/// Addresses just beside a service address, for probing.
enum Neighbour {
    /// The next address up.
    static func after(_ address: IPAddress) -> IPAddress {
        switch address {
        case .v4(let v4): return .v4(IPv4Address(v4.value &+ 1))
        case .v6(let v6): return .v6(IPv6Address(high: v6.high, low: v6.low &+ 1))
        }
    }
}
