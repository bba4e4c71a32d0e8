/// Where a base chain hooks into netfilter: its type, hook and priority.
public struct NftBaseChain: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable { case filter, nat }
    public enum Hook: String, Hashable, Sendable { case prerouting, input, forward, output, postrouting }

    /// nft's named priorities, as numbers.
    public static let dstnatPriority = -100
    public static let srcnatPriority = 100

    public var kind: Kind
    public var hook: Hook
    public var priority: Int

    public init(_ kind: Kind, _ hook: Hook, priority: Int) {
        self.kind = kind
        self.hook = hook
        self.priority = priority
    }
}
