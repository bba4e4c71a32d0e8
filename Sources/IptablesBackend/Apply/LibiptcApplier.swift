import Foundation
import ServiceModel

/// Applies rulesets through libiptc: per table, under the xtables lock, read the table, stage
/// the changes in libiptc's copy and commit it in one atomic replace. A table another writer
/// changed in between (EAGAIN) is read again and the changes staged afresh, up to
/// `maxAttempts` times with a growing pause; any other failure leaves the table as it was.
///
/// Only our chains and our jumps in the built-in chains are touched. New chains are created
/// in byte order (libiptc inserts sorted names cheaply); chains that stay are flushed and
/// refilled, never deleted and re-created.
public struct LibiptcApplier: RulesetApplier {
    public var lockPath: String
    public var lockTimeout: Duration
    public var maxAttempts: Int
    /// The command line of a helper process that applies each table (see
    /// ``LibiptcHelper``), e.g. `["/usr/bin/kproxy-iptables", "libiptc-helper"]`; `nil`
    /// applies in this process. ``cleanup(family:)`` and ``installed(family:)`` always run
    /// here: they touch only our own chains and jumps.
    public var helperCommand: [String]?

    public init(lockPath: String = XtablesLock.defaultPath, lockTimeout: Duration = .seconds(5), maxAttempts: Int = 5,
                helperCommand: [String]? = nil) {
        self.lockPath = lockPath
        self.lockTimeout = lockTimeout
        self.maxAttempts = maxAttempts
        self.helperCommand = helperCommand
    }

    public func apply(_ desired: Ruleset, changes: RulesetChanges?) throws(IptablesError) -> SyncReport {
        let encoder = EntryEncoder(family: desired.family)
        // Check first: a rule the kernel would refuse stops the sync before any table is
        // touched. A full sync checks every chain; a partial one the chains it writes, so its
        // cost follows the change, not the cluster. (A table a partial sync finds flushed is
        // synced in full, its other chains checked then, before anything is staged.) Chains
        // are encoded later, one at a time as they are staged, so the encoded table is never
        // held whole.
        let requested = desired.tables.map { table in
            (table: table, staging: StagingPlan.make(table, changes: changes?[table.table], full: changes == nil))
        }
        for (table, staging) in requested { try encoder.validate(staging.chains, table: table.table) }
        let jumps = try EncodedJump.needed(by: desired)
        var reports: [TableReport] = []
        for (table, requestedStaging) in requested.sorted(by: { $0.table.table.applyOrder < $1.table.table.applyOrder }) {
            // A partial sync does not read a table it has nothing to write to: reading and
            // replacing a large table is most of a sync's cost.
            let tableChanges = changes?[table.table]
            if let tableChanges, tableChanges.isEmpty {
                reports.append(TableReport(table: table.table))
                continue
            }
            let tableJumps = jumps[table.table] ?? []
            // The chains to stage: those asked for and checked above, or, when a partial sync
            // must be full after all, every chain, checked now.
            let staged = { (full: Bool) throws(IptablesError) -> (StagingPlan, [Chain]) in
                guard full && !requestedStaging.plan.full else { return requestedStaging }
                let whole = StagingPlan.make(table, changes: nil, full: true)
                try encoder.validate(whole.chains, table: table.table)
                return whole
            }
            reports.append(try withRetries(family: desired.family, table: table.table) { () throws(IptablesError) -> TableReport in
                if let helperCommand {
                    return try applyInHelper(helperCommand, family: desired.family, table: table.table,
                                             partial: tableChanges != nil, jumps: tableJumps, encoder: encoder, staged: staged)
                }
                // In this process every chain is at hand, so staging always gets its plan
                // and returns a report.
                return try LibiptcTable.locked(family: desired.family, table: table.table, lockPath: lockPath,
                                               lockTimeout: lockTimeout) { (kernel) throws(IptablesError) -> TableReport in
                    try LibiptcStaging.stage(table.table, partial: tableChanges != nil, jumps: tableJumps, into: &kernel) { (full) throws(IptablesError) in
                        let (plan, chains) = try staged(full)
                        return (plan, ChainEncoder(chains, of: table.table, encoder: encoder))
                    }!
                }
            })
        }
        return SyncReport(family: desired.family, tables: reports)
    }

    /// One attempt at a table through the helper. A partial request the helper finds needs
    /// a full sync is sent again in full.
    private func applyInHelper(_ command: [String], family: IPFamily, table: Table, partial: Bool, jumps: [EncodedJump],
                               encoder: EntryEncoder, staged: (Bool) throws(IptablesError) -> (StagingPlan, [Chain]))
        throws(IptablesError) -> TableReport {
        var full = !partial
        while true {
            let (plan, chains) = try staged(full)
            let request = HelperRequest(family: family, table: table, lockPath: lockPath, lockTimeout: lockTimeout,
                                        plan: plan, jumps: jumps)
            switch try LibiptcHelper.apply(request, chains: chains, encoder: encoder, command: command) {
            case .applied(let report): return report
            case .failed(let error): throw error
            case .needsFull where !full: full = true
            case .needsFull: throw .helper("asked for a full sync when it was given one")
            }
        }
    }

    public func cleanup(family: IPFamily) throws(IptablesError) -> SyncReport {
        var reports: [TableReport] = []
        for table in [Table.filter, .nat] {
            reports.append(try withRetries(family: family, table: table) { () throws(IptablesError) -> TableReport in
                try LibiptcTable.locked(family: family, table: table, lockPath: lockPath,
                                        lockTimeout: lockTimeout) { (kernel) throws(IptablesError) -> TableReport in
                    var report = TableReport(table: table)
                    let names = kernel.chainNames()
                    // Our jumps out of the built-in chains first, then our chains.
                    for chain in names where kernel.isBuiltin(chain) {
                        let entries = kernel.entries(of: chain)
                        for (position, entry) in entries.enumerated().reversed() where ChainName.isOwned(entry.targetLabel) {
                            try kernel.deleteRule(in: chain, at: position)
                            report.insertedJumps.append("-\(chain) -> \(entry.targetLabel)")
                        }
                    }
                    let owned = names.filter { !kernel.isBuiltin($0) && ChainName.isOwned($0) }
                    for chain in owned { try kernel.flushChain(chain) }
                    for chain in owned {
                        try kernel.deleteChain(chain)
                        report.deleted.append(chain)
                    }
                    report.committed = !report.deleted.isEmpty || !report.insertedJumps.isEmpty
                    if report.committed { try kernel.commit() }
                    report.kernelDuration = kernel.readDuration + kernel.commitDuration
                    return report
                }
            })
        }
        return SyncReport(family: family, tables: reports)
    }

    public func installed(family: IPFamily) throws(IptablesError) -> InstalledRules {
        var installed = InstalledRules(family: family, reader: .libiptc)
        for table in [Table.filter, .nat] {
            installed.tables[table] = try LibiptcTable.locked(family: family, table: table, lockPath: lockPath,
                                                              lockTimeout: lockTimeout) { (kernel) throws(IptablesError) in
                var chains: [String: [InstalledRule]] = [:]
                for name in kernel.chainNames() where kernel.isBuiltin(name) || ChainName.isOwned(name) {
                    chains[name] = kernel.entries(of: name).map(InstalledRule.entry)
                }
                return chains
            }
        }
        return installed
    }

    /// Runs `attempt` until it gets through, up to ``maxAttempts`` times while another
    /// writer keeps changing the table under it (one that does not take the xtables lock):
    ///
    /// - EAGAIN at commit: the table changed between our read and our replace; nothing of
    ///   ours went in.
    /// - EINVAL at commit: libiptc's replace went in, but putting the old rules' counters
    ///   back failed, because the other writer replaced the table in between (the kernel
    ///   checks the entry count again). The table may hold our rules or the other's.
    ///
    /// Either way a new attempt reads what is there and stages against it, so it finishes
    /// the job or finds nothing left to do. When every attempt meets EINVAL, the kernel's
    /// own error is thrown: a rule it refuses fails the same way each time.
    ///
    /// Attempts are spaced 25, 50, 100, 200 ms apart: other writers (a CNI plugin, a
    /// firewall daemon) change tables in bursts, and the next attempt should land after one.
    private func withRetries(family: IPFamily, table: Table,
                             _ attempt: () throws(IptablesError) -> TableReport) throws(IptablesError) -> TableReport {
        var lastError = IptablesError.tableBusy(family: family, table: table, attempts: maxAttempts)
        for number in 1...maxAttempts {
            if number > 1 { usleep(25_000 << min(number - 2, 6)) }
            do {
                var report = try attempt()
                report.attempts = number
                return report
            } catch {
                guard case .kernel("commit", _, _, _, let code, _) = error, code == EAGAIN || code == EINVAL else { throw error }
                lastError = code == EAGAIN ? .tableBusy(family: family, table: table, attempts: number) : error
            }
        }
        throw lastError
    }
}
