import ProxyCore
import ServiceModel

/// One proxy mode's rules as the sync loop drives them: planned from service ports, kept
/// between syncs, and written to the kernel (``IptablesRules``, ``NftablesRules``).
protocol RuleBackend: Sendable {
    /// What the rules are planned for.
    var settings: ProxySettings { get }

    /// How often every rule is compared (or written) though nothing failed, given the
    /// configured sync period.
    func fullSyncPeriod(syncPeriod: Duration) -> Duration

    /// Takes in the ports that changed and those removed; `false` when no rule changed.
    mutating func update(_ changed: [ServicePortEndpoints], removed: [ServicePortName],
                         allPorts: () -> [ServicePortEndpoints]) -> Bool

    /// Takes in the cluster's service ranges (ServiceCIDR objects); `true` when the rules
    /// changed, which a full sync then writes.
    mutating func setServiceRanges(_ ranges: [IPPrefix]) -> Bool

    /// Writes to the kernel: every rule compared (or written) when `full`, else what
    /// changed since the last sync that succeeded. Blocks for as long as the kernel takes.
    mutating func sync(full: Bool) -> Result<RuleSyncOutcome, RuleSyncFailure>
}
