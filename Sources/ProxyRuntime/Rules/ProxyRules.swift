import IptablesBackend
import ProxyCore
import ServiceModel

/// Which rules a ``ProxyRuntime`` keeps, and what writes them to the kernel.
public enum ProxyRules: Sendable {
    /// iptables mode, written by `applier` (libiptc or iptables-restore).
    case iptables(any RulesetApplier)
    /// nftables mode, written as netlink batches (``NftablesApplier``).
    case nftables

    /// Whether the mode's rules use the cluster's service ranges (ServiceCIDR objects), so
    /// a source should follow them: nftables mode drops traffic to unallocated cluster IPs.
    public var usesServiceRanges: Bool {
        if case .nftables = self { return true }
        return false
    }

    /// The mode's rules planned for `settings` from a whole catalog and the cluster's
    /// service ranges.
    func backend(settings: ProxySettings, catalog: ServiceCatalog, serviceRanges: [IPPrefix],
                 serviceDispatch: ServiceDispatch) -> any RuleBackend {
        switch self {
        case .iptables(let applier):
            IptablesRules(settings: settings, catalog: catalog, serviceDispatch: serviceDispatch, applier: applier)
        case .nftables:
            NftablesRules(settings: settings, catalog: catalog, serviceRanges: serviceRanges)
        }
    }
}
