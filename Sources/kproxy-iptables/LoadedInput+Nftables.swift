import NftablesBackend
import ProxyCore
import ProxyRuntime

extension LoadedInput {
    /// The planner of nftables mode for this input, with the service ranges its
    /// ServiceCIDR objects give.
    func nftablesPlanner(settings: ProxySettings) -> NftablesPlanner {
        NftablesPlanner(settings: settings, serviceCIDRs: manifests.serviceCIDRs.flatMap(\.cidrs))
    }

    /// The table nftables mode plans for this input.
    func nftablesRuleset(settings: ProxySettings) -> NftRuleset {
        nftablesPlanner(settings: settings).plan(catalog)
    }
}
