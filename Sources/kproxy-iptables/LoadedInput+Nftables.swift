import NftablesBackend
import ProxyCore
import ProxyRuntime

extension LoadedInput {
    /// The table nftables mode plans for this input, with the service ranges its
    /// ServiceCIDR objects give.
    func nftablesRuleset(settings: ProxySettings) -> NftRuleset {
        NftablesPlanner(settings: settings, serviceCIDRs: manifests.serviceCIDRs.flatMap(\.cidrs)).plan(catalog)
    }
}
