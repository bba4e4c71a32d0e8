import IptablesBackend
import KProxyTestSupport
import ProxyCore
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
        let settings = ProxySettings(configuration: cluster.configuration, node: testNode, family: family)
        let planner = RulePlanner(settings: settings, serviceDispatch: dispatch)
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
            let changes = incremental.update(touched, removed: gone, allPorts: { next.servicePorts })
            let full = planner.plan(next)
            #expect(incremental.ruleset == full, "seed \(seed) step \(step)")
            #expect(changes == full.diff(from: planner.plan(previous)), "seed \(seed) step \(step)")
            previous = next
        }
    }

    /// Past ``RulePlanner/largeClusterEndpointThreshold`` endpoints every endpoint rule loses
    /// its comment: the one endpoint that crosses it, either way, replans every port.
    @Test(arguments: [UInt64(11), 12])
    func crossingTheLargeClusterThresholdReplansEveryPort(seed: UInt64) throws {
        var generator = ClusterGenerator(seed: seed)
        var cluster = generator.cluster(services: 20)
        let family = IPFamily.ipv6
        let planner = RulePlanner(settings: ProxySettings(configuration: cluster.configuration, node: testNode, family: family))
        let index = try #require(cluster.services.firstIndex { $0.shape == .clusterIP })
        // The fewest endpoints on one Service that make the cluster large, by bisection.
        func withEndpoints(_ count: Int) throws -> ServiceCatalog {
            cluster.services[index].endpoints = (0..<count).map { .init(index: $0, isLocal: false, state: .ready, zoneHint: nil) }
            return try Self.catalog(cluster, family: family)
        }
        var (small, large) = (0, 2 * RulePlanner.largeClusterEndpointThreshold)
        while large - small > 1 {
            let middle = (small + large) / 2
            if planner.isLargeCluster(try withEndpoints(middle)) { large = middle } else { small = middle }
        }
        let below = try withEndpoints(small)
        let above = try withEndpoints(large)
        #expect(!planner.isLargeCluster(below) && planner.isLargeCluster(above))
        let name = cluster.services[index].name
        var incremental = IncrementalPlanner(planner: planner, catalog: below)
        for (from, to) in [(below, above), (above, below)] {
            let touched = to.servicePorts.filter { $0.name.service.name == name }
            let changes = incremental.update(touched, allPorts: { to.servicePorts })
            let full = planner.plan(to)
            #expect(firstDifference(RestoreRenderer.text(incremental.ruleset), RestoreRenderer.text(full)) == nil)
            // Compared whole as well (structure the text does not show); kept out of the log.
            let sameRuleset = incremental.ruleset == full
            let sameChanges = changes == full.diff(from: planner.plan(from))
            #expect(sameRuleset)
            #expect(sameChanges)
        }
    }
}
