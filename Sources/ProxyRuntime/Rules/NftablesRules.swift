import NftablesBackend
import ProxyCore
import ServiceModel

/// nftables mode's rules: each service port planned on its own (``NftServicePortObjects``)
/// and synced by ``NftTableSyncer``, partial syncs writing only the ports that changed.
struct NftablesRules: RuleBackend {
    private(set) var planner: NftablesPlanner
    private var syncer = NftTableSyncer()
    /// Every port's objects as now planned.
    private var ports: [ServicePortName: NftServicePortObjects] = [:]
    /// The ports changed since the last sync that succeeded (`nil`: removed).
    private var changes: [ServicePortName: NftServicePortObjects?] = [:]

    init(settings: ProxySettings, catalog: ServiceCatalog, serviceRanges: [IPPrefix]) {
        planner = NftablesPlanner(settings: settings, serviceCIDRs: serviceRanges)
        for port in planner.servicePortObjects(catalog) { ports[port.name] = port }
    }

    var settings: ProxySettings { planner.settings }

    /// kube-proxy's nftables mode rewrites the whole table once an hour (its
    /// FullSyncPeriod); between, only what changed, after a failure everything.
    static let fullSyncPeriod: Duration = .seconds(3600)

    func fullSyncPeriod(syncPeriod: Duration) -> Duration { max(syncPeriod, Self.fullSyncPeriod) }

    mutating func update(_ changed: [ServicePortEndpoints], removed: [ServicePortName],
                         allPorts: () -> [ServicePortEndpoints]) -> Bool {
        var any = false
        for name in removed where ports[name] != nil {
            ports[name] = nil
            changes[name] = .some(nil)
            any = true
        }
        for entry in changed {
            let objects = NftServicePortObjects.plan(entry, settings: planner.settings)
            guard ports[entry.name] != objects else { continue }
            ports[entry.name] = objects
            changes[entry.name] = .some(objects)
            any = true
        }
        return any || syncer.state == nil
    }

    /// The ranges are one rule of the fixed chains (the drop of unallocated cluster IPs),
    /// which only a full sync writes; ranges of the other family change nothing.
    mutating func setServiceRanges(_ ranges: [IPPrefix]) -> Bool {
        let family = planner.settings.family
        guard ranges.filter({ $0.family == family }) != planner.serviceCIDRs.filter({ $0.family == family }) else {
            planner.serviceCIDRs = ranges
            return false
        }
        planner.serviceCIDRs = ranges
        return true
    }

    mutating func sync(full: Bool) -> Result<RuleSyncOutcome, RuleSyncFailure> {
        do throws(NftablesError) {
            let report: NftSyncReport
            if full || syncer.state == nil {
                report = try syncer.fullSync(NftTableState(fixed: planner.fixedTable, ports: Array(ports.values)))
            } else {
                report = try syncer.partialSync(changes)
            }
            changes = [:]
            return .success(outcome(report))
        } catch {
            return .failure(RuleSyncFailure(description: error.description))
        }
    }

    private func outcome(_ report: NftSyncReport) -> RuleSyncOutcome {
        var outcome = RuleSyncOutcome(full: report.full, summary: report.description, notes: report.notes)
        outcome.details = report.flushedStaleChains.map { "flush stale \($0)" } + report.deletedChains.map { "delete \($0)" }
            + report.keptStaleChains.map { "keep stale \($0) (still referenced)" }
        return outcome
    }
}
