import IptablesBackend
import KProxyTestSupport
import ServiceModel
import Testing

/// The incremental planner always holds what a full plan gives, and reports the same changes
/// as a diff of two full plans.
@Suite struct IncrementalPlannerTests {
    /// The catalog of `cluster`, for `family`.
    static func catalog(_ cluster: GeneratedCluster, family: IPFamily) throws -> ServiceCatalog {
        let manifests = try ManifestLoader.load(bytes: Array(cluster.yaml(family: family).utf8), file: "generated.yaml")
        return ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                              endpoints: manifests.endpoints, localNodeName: testNode.name)
    }

    @Test(arguments: [UInt64(3), 4, 5, 6, 7, 8], ServiceDispatch.allCases)
    func everyStepEqualsAFullPlan(seed: UInt64, dispatch: ServiceDispatch) throws {
        var generator = ClusterGenerator(seed: seed)
        var cluster = generator.cluster(services: 30)
        let family: IPFamily = seed % 2 == 0 ? .ipv4 : .ipv6
        var settings = ProxySettings(configuration: cluster.configuration, node: testNode, family: family)
        settings.serviceDispatch = dispatch
        let planner = RulePlanner(settings: settings)
        var previous = try Self.catalog(cluster, family: family)
        var incremental = IncrementalPlanner(planner: planner, catalog: previous)
        #expect(incremental.ruleset == planner.plan(previous))
        for step in 0..<25 {
            // Change one service: an endpoint added, removed, made terminating or moved; or its ports.
            let index = Int.random(in: 0..<cluster.services.count, using: &generator.random)
            var service = cluster.services[index]
            switch Int.random(in: 0..<5, using: &generator.random) {
            case 0: service.endpoints.append(.init(index: service.endpoints.count, isLocal: generator.chance(0.5), state: .ready, zoneHint: nil))
            case 1: if !service.endpoints.isEmpty { service.endpoints.removeLast() }
            case 2: if !service.endpoints.isEmpty { service.endpoints[0].state = .terminatingServing }
            case 3: if !service.endpoints.isEmpty { service.endpoints[0].isLocal.toggle() }
            default: service.affinitySeconds = service.affinitySeconds == nil ? 600 : nil
            }
            cluster.services[index] = service
            let next = try Self.catalog(cluster, family: family)
            let touched = next.servicePorts.filter { $0.name.service.name == service.name }
            let gone = previous.servicePorts.map(\.name).filter { old in !next.servicePorts.contains { $0.name == old } }
            let changes = incremental.update(touched, removed: gone)
            let full = planner.plan(next)
            #expect(incremental.ruleset == full, "seed \(seed) step \(step)")
            #expect(changes == full.diff(from: planner.plan(previous)), "seed \(seed) step \(step)")
            previous = next
        }
    }
}
