import IptablesBackend
import ProxyCore
import ServiceModel

/// Which rules a ``ProxyRuntime`` keeps, and what writes them to the kernel.
public enum ProxyRules: Sendable {
    /// iptables mode, written by `applier` (libiptc or iptables-restore).
    case iptables(any RulesetApplier)
    /// nftables mode, written as netlink batches (``NftablesApplier``).
    case nftables

    /// The mode's rules planned for `settings` from a whole catalog.
    func backend(settings: ProxySettings, catalog: ServiceCatalog, serviceDispatch: ServiceDispatch) -> any RuleBackend {
        switch self {
        case .iptables(let applier):
            IptablesRules(settings: settings, catalog: catalog, serviceDispatch: serviceDispatch, applier: applier)
        case .nftables:
            NftablesRules(settings: settings, catalog: catalog)
        }
    }
}
