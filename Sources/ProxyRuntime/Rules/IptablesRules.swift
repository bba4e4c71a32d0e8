import IptablesBackend
import ProxyCore
import ServiceModel

/// iptables mode's rules: planned incrementally (``IncrementalPlanner``), applied by
/// libiptc or iptables-restore, partial syncs writing only the changed chains.
struct IptablesRules: RuleBackend {
    private(set) var planner: IncrementalPlanner
    let applier: any RulesetApplier
    /// The chains the last update changed (the loop syncs after each update that changed
    /// any).
    private var changes: RulesetChanges?
    /// Set until a sync succeeds: the next one compares every chain.
    private var comparesEverything = true

    init(settings: ProxySettings, catalog: ServiceCatalog, serviceDispatch: ServiceDispatch, applier: any RulesetApplier) {
        planner = IncrementalPlanner(planner: RulePlanner(settings: settings, serviceDispatch: serviceDispatch), catalog: catalog)
        self.applier = applier
    }

    var settings: ProxySettings { planner.planner.settings }

    /// Every sync period: comparing each chain with the kernel costs little through libiptc.
    func fullSyncPeriod(syncPeriod: Duration) -> Duration { syncPeriod }

    mutating func update(_ changed: [ServicePortEndpoints], removed: [ServicePortName],
                         allPorts: () -> [ServicePortEndpoints]) -> Bool {
        let new = planner.update(changed, removed: removed, allPorts: allPorts)
        changes = new
        return comparesEverything || !new.isEmpty
    }

    /// kube-proxy's iptables mode has no rule for the service ranges.
    mutating func setServiceRanges(_ ranges: [IPPrefix]) -> Bool { false }

    mutating func sync(full: Bool) -> Result<RuleSyncOutcome, RuleSyncFailure> {
        let ruleset = planner.ruleset
        do {
            let report = try applier.apply(ruleset, changes: full || comparesEverything ? nil : changes)
            comparesEverything = false
            return .success(outcome(report, ruleset))
        } catch {
            comparesEverything = true
            return .failure(RuleSyncFailure(description: "\(error)"))
        }
    }

    /// The report in the loop's terms. Chain names are compared as ``ChainName`` values: a
    /// sync must not make a string for each of the table's hundred thousand chains.
    private func outcome(_ report: SyncReport, _ ruleset: Ruleset) -> RuleSyncOutcome {
        var outcome = RuleSyncOutcome(full: report.full, summary: report.description)
        for table in report.tables {
            outcome.details += table.written.map { "\(table.table) write \($0)" }
            outcome.details += table.deleted.map { "\(table.table) delete \($0)" }
            outcome.details += table.insertedJumps.map { "\(table.table) insert jump \($0)" }
        }
        for table in ruleset.tables {
            let written = Set((report.tables.first { $0.table == table.table }?.written ?? []).compactMap(ChainName.init))
            let writtenRules = written.isEmpty ? 0 : table.chains.reduce(0) { sum, chain in
                written.contains(chain.name) ? sum + chain.rules.count : sum
            }
            outcome.tables.append(.init(table: table.table.rawValue, total: table.ruleCount, written: writtenRules))
        }
        return outcome
    }
}
