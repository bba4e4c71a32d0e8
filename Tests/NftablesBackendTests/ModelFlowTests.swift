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
        let input = try run.planningInput()
        let ruleset = NftablesPlanner(settings: input.settings).plan(input.catalog)
        let (mismatches, flows) = NftRulesetVerifier(settings: input.settings).verify(ruleset, catalog: input.catalog)
        #expect(flows > 0)
        #expect(mismatches.isEmpty, "\(mismatches.map(\.description).joined(separator: "\n"))")
    }
}
