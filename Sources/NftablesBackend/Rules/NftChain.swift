/// A chain of the `kube-proxy` table: a base chain hooked into netfilter, or a regular chain
/// that rules and verdict maps jump or go to.
public struct NftChain: Hashable, Sendable {
    public var name: String
    /// Set for a base chain: where it hooks in.
    public var hook: NftBaseChain?
    public var comment: String?
    public var rules: [NftRule]

    public init(_ name: String, hook: NftBaseChain? = nil, comment: String? = nil, rules: [NftRule] = []) {
        self.name = name
        self.hook = hook
        self.comment = comment
        self.rules = rules
    }

    /// Whether the chain belongs to one service port (kube-proxy's test: its name holds a
    /// `/`, which no fixed chain's does).
    public var isServicePortChain: Bool { name.contains("/") }
}
