import ServiceModel

/// Keeps one family's `kube-proxy` table in step with plans, as kube-proxy's nftables
/// proxier does: a full sync writes the whole table, later syncs only the ports that
/// changed, in one transaction each; chains no port wants are flushed, then deleted by a
/// sync at least ``NftTableState/staleChainGrace`` later.
///
/// A full sync goes in parts of ``portsPerTransaction`` whole ports, whether it creates the
/// table (``NftTransaction/creating(_:portsPerTransaction:)``) or rewrites it
/// (``NftTransaction/fullSync(_:installed:recreatingBaseChains:portsPerTransaction:)``).
public struct NftTableSyncer: Sendable {
    /// What the kernel holds after the last sync that succeeded; `nil` before the first
    /// full sync, and after a failed one.
    public private(set) var state: NftTableState?
    /// Ports per transaction of a full sync.
    public var portsPerTransaction: Int
    let applier: NftablesApplier

    public init(portsPerTransaction: Int = 500, applier: NftablesApplier = NftablesApplier()) {
        self.portsPerTransaction = portsPerTransaction
        self.applier = applier
    }

    /// Makes the table exactly `desired`: creates it when the kernel has none; otherwise
    /// deletes the flushed chains no plan wants, then rewrites every chain, set and map
    /// (kube-proxy's full sync, in parts of whole ports: see
    /// ``NftTransaction/fullSync(_:installed:recreatingBaseChains:portsPerTransaction:)``)
    /// and flushes the chains left over.
    public mutating func fullSync(_ desired: NftTableState,
                                  now: ContinuousClock.Instant = .now) throws(NftablesError) -> NftSyncReport {
        state = nil
        let installed = try applier.installed(family: desired.family)
        var report = NftSyncReport(family: desired.family, full: true)
        var next = desired
        if !installed.exists {
            for transaction in NftTransaction.creating(desired, portsPerTransaction: portsPerTransaction) {
                try applier.apply(transaction)
                report.add(transaction)
            }
        } else {
            // The chains' names, without assembling the whole ruleset (the parts below do).
            let wanted = Set(desired.fixed.chains.map(\.name) + desired.ports.values.flatMap { $0.chains.map(\.name) })
            let stale = installed.names.chains.filter { NftChain($0).isServicePortChain && !wanted.contains($0) }.sorted()
            var remaining = installed.names
            (report.deletedChains, report.keptStaleChains) = deleteUnreferenced(stale, family: desired.family)
            remaining.chains.subtract(report.deletedChains)
            next.noteStale(report.keptStaleChains, now: now)
            let parts = NftTransaction.fullSync(desired, installed: remaining, recreatingBaseChains: true,
                                                portsPerTransaction: portsPerTransaction)
            for transaction in parts {
                try applier.apply(transaction)
                report.add(transaction)
            }
            report.flushedStaleChains = (parts.last?.commands ?? []).compactMap {
                if case .flushChain(let name) = $0, !wanted.contains(name) { name } else { nil }
            }
            next.noteStale(report.flushedStaleChains, now: now)
        }
        state = next
        return report
    }

    /// Deletes the chains of `names` nothing refers to any more (an earlier sync flushed
    /// them): all in one transaction, else, when one is still referenced, each on its own.
    /// The referenced ones are kept: the full sync flushes them, a later sync deletes them.
    private func deleteUnreferenced(_ names: [String], family: IPFamily) -> (deleted: [String], kept: [String]) {
        guard !names.isEmpty else { return ([], []) }
        if (try? applier.apply(NftTransaction(family: family, commands: names.map { .deleteChain($0) }))) != nil {
            return (names, [])
        }
        var deleted: [String] = [], kept: [String] = []
        for name in names {
            if (try? applier.apply(NftTransaction(family: family, commands: [.deleteChain(name)]))) != nil {
                deleted.append(name)
            } else {
                kept.append(name)
            }
        }
        return (deleted, kept)
    }

    /// Writes only what changed since the last sync: the ports in `changes` (`nil`: gone),
    /// after deleting the stale chains whose grace is over (a refusal there is noted and
    /// tried again next time). Needs a state: call ``fullSync(_:now:)`` first.
    public mutating func partialSync(_ changes: [ServicePortName: NftServicePortObjects?],
                                     now: ContinuousClock.Instant = .now) throws(NftablesError) -> NftSyncReport {
        guard var next = state else {
            throw NftablesError("sync the table in part", "no full sync has succeeded yet")
        }
        var report = NftSyncReport(family: next.family, full: false)
        if let deletion = next.staleChainDeletion(now: now) {
            do {
                try applier.apply(deletion)
                next.deleted(deletion)
                report.deletedChains = deletion.commands.compactMap { if case .deleteChain(let name) = $0 { name } else { nil } }
            } catch {
                report.notes.append("stale chains kept for the next sync: \(error.message)")
            }
        }
        let staleBefore = Set(next.staleChains.keys)
        let transaction = next.update(changes, now: now)
        if !transaction.commands.isEmpty {
            do {
                try applier.apply(transaction)
            } catch {
                state = nil
                throw error
            }
            report.add(transaction)
            report.flushedStaleChains = Set(next.staleChains.keys).subtracting(staleBefore).sorted()
        }
        state = next
        return report
    }
}
