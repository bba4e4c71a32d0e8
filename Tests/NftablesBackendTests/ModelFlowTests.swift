import KProxyTestSupport
import NftablesBackend
import ProxyCore
import ServiceModel
import Testing

/// Every reference case under Fixtures/cases (the iptables ones: dual-stack, topology,
/// terminating endpoints, traffic policies, source ranges, affinity, …) planned in nftables
/// mode: every way into every service port reaches what the model says.
@Suite struct ModelFlowTests {
    @Test(arguments: FixtureRun.all)
    func everyCaseMeetsTheModel(_ run: FixtureRun) throws {
        let manifests = try ManifestLoader.load(paths: [packagePath(run.manifest)])
        let configuration = try ManifestLoader.loadConfiguration(path: packagePath(run.configuration))
        let nodeName = try #require(configuration.hostnameOverride)
        let node = ProxyNode(try #require(manifests.node(named: nodeName)))
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                                     endpoints: manifests.endpoints, localNodeName: nodeName)
        let settings = ProxySettings(configuration: configuration, node: node,
                                     family: run.family ?? node.addresses.first?.family ?? .ipv4)
        let ruleset = NftablesPlanner(settings: settings).plan(catalog)
        let (mismatches, flows) = NftRulesetVerifier(settings: settings).verify(ruleset, catalog: catalog)
        #expect(flows > 0)
        #expect(mismatches.isEmpty, "\(mismatches.map(\.description).joined(separator: "\n"))")
    }
}
