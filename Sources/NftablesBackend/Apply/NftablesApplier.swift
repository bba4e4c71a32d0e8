import Foundation
import ServiceModel

/// Applies nft transactions to the `kube-proxy` table (as netlink batches), and reads back
/// what the table holds.
public struct NftablesApplier: Sendable {
    public init() {}

    /// The table of `family` now: whether it exists, its chains' and sets' names.
    public func installed(family: IPFamily) throws(NftablesError) -> NftInstalledTable {
        let context = try NftablesContext(json: true)
        let tableFamily = NftRuleset.tableFamily(family)
        var installed = NftInstalledTable()
        try installed.read(json: context.run("list tables \(tableFamily)", operation: "list the tables"))
        guard installed.exists else { return installed }
        try installed.read(json: context.run("list chains \(tableFamily)", operation: "list the chains"))
        try installed.read(json: context.run("list sets \(tableFamily)", operation: "list the sets"))
        return installed
    }

    /// Applies `transaction` as one kernel transaction: all of it, or nothing. It goes to
    /// the kernel as a netlink batch built here (libnftnl): libnftables would first list
    /// every chain of the table, which at 100,000 chains costs most of a second per sync.
    public func apply(_ transaction: NftTransaction) throws(NftablesError) {
        guard !transaction.commands.isEmpty else { return }
        let batch = NftNetlinkEncoder.batch(transaction, firstSequence: UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970)))
        let refusals = try NftNetlinkSocket.send(batch)
        guard !refusals.isEmpty else { return }
        let described = refusals.prefix(5).map { refusal in
            let command = refusal.command.map { NftTransaction.line(transaction.commands[$0], family: transaction.family) }
            return String(cString: strerror(refusal.errno)) + (command.map { ": " + $0 } ?? "")
        }
        throw NftablesError("apply the transaction", described.joined(separator: "; ")
                            + (refusals.count > 5 ? "; and \(refusals.count - 5) more" : ""))
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
}
