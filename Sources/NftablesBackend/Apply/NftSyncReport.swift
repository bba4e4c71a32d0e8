import ServiceModel

/// What one sync of the `kube-proxy` table did.
public struct NftSyncReport: Sendable, CustomStringConvertible {
    public var family: IPFamily
    /// Commands in the sync's transaction.
    public var commands = 0
    /// Service-port chains no longer planned, flushed now and deleted by a later sync.
    public var flushedStaleChains: [String] = []
    /// Chains an earlier sync flushed, deleted now.
    public var deletedChains: [String] = []
    /// What the sync left for later, and why.
    public var notes: [String] = []

    public init(family: IPFamily) {
        self.family = family
    }

    public var description: String {
        var text = "nftables \(NftRuleset.qualifiedTableName(family)): \(commands) commands in one transaction"
        if !flushedStaleChains.isEmpty { text += ", \(flushedStaleChains.count) stale chains flushed" }
        if !deletedChains.isEmpty { text += ", \(deletedChains.count) flushed chains deleted" }
        return text
    }
}
