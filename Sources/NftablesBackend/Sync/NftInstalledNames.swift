/// The names of the chains and sets the `kube-proxy` table holds in the kernel: what a sync
/// needs to know to clean up after services that went away.
public struct NftInstalledNames: Hashable, Sendable {
    public var chains: Set<String>
    public var sets: Set<String>

    public init(chains: Set<String> = [], sets: Set<String> = []) {
        self.chains = chains
        self.sets = sets
    }

    /// The names in a ruleset.
    public init(_ ruleset: NftRuleset) {
        self.init(chains: Set(ruleset.chains.map(\.name)), sets: Set(ruleset.sets.map(\.name)))
    }
}
