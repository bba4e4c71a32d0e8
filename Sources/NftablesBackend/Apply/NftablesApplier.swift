import Foundation
import ServiceModel

/// Applies nft transactions to the `kube-proxy` table through libnftables, and reads back
/// what the table holds.
public struct NftablesApplier: Sendable {
    public init() {}

    /// The table of `family` now; an empty value when there is none.
    public func installed(family: IPFamily) throws(NftablesError) -> NftInstalledTable {
        let context = try NftablesContext(json: true)
        let output: String
        do {
            output = try context.run("list table \(NftRuleset.qualifiedTableName(family))", operation: "list the table")
        } catch where error.isNotFound {
            return NftInstalledTable()
        }
        return try NftInstalledTable(json: output)
    }

    /// Applies `transaction` as one kernel transaction: all of it, or nothing.
    public func apply(_ transaction: NftTransaction) throws(NftablesError) {
        _ = try NftablesContext().run(transaction.text, operation: "apply the transaction")
    }

    /// Has the kernel check `transaction` without applying it (`nft -c`).
    public func check(_ transaction: NftTransaction) throws(NftablesError) {
        _ = try NftablesContext().run(transaction.text, checkOnly: true, operation: "check the transaction")
    }

    /// Deletes the table of `family` and everything in it; `false` when there was none.
    @discardableResult
    public func deleteTable(family: IPFamily) throws(NftablesError) -> Bool {
        do {
            _ = try NftablesContext().run("delete table \(NftRuleset.qualifiedTableName(family))", operation: "delete the table")
            return true
        } catch where error.isNotFound {
            return false
        }
    }

    /// Syncs the table to `desired` in full, as kube-proxy's first sync does: first deletes
    /// the service-port chains an earlier sync flushed and no plan wants (in a transaction
    /// of its own, since a chain a map element pointed to may still be busy for a moment on
    /// kernels before 6.2: a refusal there is left for the next sync), then one transaction
    /// that makes the table exactly `desired`.
    public func fullSync(_ desired: NftRuleset) throws(NftablesError) -> NftSyncReport {
        let installed = try installed(family: desired.family)
        let wanted = Set(desired.chains.map(\.name))
        let stale = installed.ruleCounts.filter { name, rules in
            NftChain(name).isServicePortChain && !wanted.contains(name) && rules == 0
        }.keys.sorted()
        var report = NftSyncReport(family: desired.family)
        if !stale.isEmpty {
            let deletion = NftTransaction(family: desired.family, commands: stale.map { .deleteChain($0) })
            do {
                try apply(deletion)
                report.deletedChains = stale
            } catch {
                report.notes.append("stale chains kept for the next sync: \(error.message)")
            }
        }
        var remaining = installed.names
        remaining.chains.subtract(report.deletedChains)
        let transaction = NftTransaction.fullSync(desired, installed: remaining, recreatingBaseChains: true)
        try apply(transaction)
        report.commands = transaction.commands.count
        report.flushedStaleChains = transaction.commands.compactMap {
            if case .flushChain(let name) = $0, !wanted.contains(name) { name } else { nil }
        }
        return report
    }

}
