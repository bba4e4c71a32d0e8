import ServiceModel

/// What one sync of the `kube-proxy` table did.
public struct NftSyncReport: Sendable, CustomStringConvertible {
    public var family: IPFamily
    /// Whether the whole table was written (else only the ports that changed).
    public var full: Bool
    /// Transactions the sync applied (a table being created is written in parts).
    public var transactions = 0
    /// Commands in the sync's transactions.
    public var commands = 0
    /// Rules those commands added.
    public var writtenRules = 0
    /// Service-port chains no longer planned, flushed now and deleted by a later sync.
    public var flushedStaleChains: [String] = []
    /// Chains an earlier sync flushed, deleted now.
    public var deletedChains: [String] = []
    /// Service-port chains no plan wants that something still refers to: flushed now,
    /// deleted by a later sync.
    public var keptStaleChains: [String] = []
    /// What the sync left for later, and why.
    public var notes: [String] = []

    public init(family: IPFamily, full: Bool) {
        self.family = family
        self.full = full
    }

    /// Counts an applied transaction in.
    mutating func add(_ transaction: NftTransaction) {
        transactions += 1
        commands += transaction.commands.count
        writtenRules += transaction.commands.reduce(0) { count, command in
            if case .addRule = command { count + 1 } else { count }
        }
    }

    public var description: String {
        var text = "nftables \(NftRuleset.qualifiedTableName(family)) \(full ? "full" : "partial") sync: \(commands) commands in "
            + (transactions == 1 ? "one transaction" : "\(transactions) transactions")
        if !flushedStaleChains.isEmpty { text += ", \(flushedStaleChains.count) stale chains flushed" }
        if !deletedChains.isEmpty { text += ", \(deletedChains.count) flushed chains deleted" }
        if !keptStaleChains.isEmpty { text += ", \(keptStaleChains.count) stale chains still referenced, kept" }
        return text
    }
}
