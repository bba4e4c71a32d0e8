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
}
