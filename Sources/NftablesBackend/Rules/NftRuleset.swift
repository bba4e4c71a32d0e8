import ServiceModel

/// Everything kube-proxy's nftables mode keeps for one IP family: the `kube-proxy` table of
/// family `ip` or `ip6`, its chains with their rules, its sets and its verdict maps with
/// their elements. Plans are values of this type; transactions are the difference between
/// two of them (``NftTransaction``).
public struct NftRuleset: Hashable, Sendable {
    /// The table's name; kube-proxy's, so a node can move between the two.
    public static let tableName = "kube-proxy"
    /// The table's comment.
    public static let tableComment = "rules for kube-proxy"

    public var family: IPFamily
    /// The fixed chains first, then each service port's chains, in plan order.
    public var chains: [NftChain]
    public var sets: [NftSet]
    public var maps: [NftMap]

    public init(family: IPFamily, chains: [NftChain] = [], sets: [NftSet] = [], maps: [NftMap] = []) {
        self.family = family
        self.chains = chains
        self.sets = sets
        self.maps = maps
    }

    /// The table's family as nft names it: `ip` or `ip6`.
    public var tableFamily: String { Self.tableFamily(family) }

    /// nft's name for an address family, in table names and in matches (`ip saddr`): `ip`
    /// or `ip6`.
    public static func tableFamily(_ family: IPFamily) -> String { family == .ipv4 ? "ip" : "ip6" }

    /// The table as nft commands name it: `ip kube-proxy`, `ip6 kube-proxy`.
    public static func qualifiedTableName(_ family: IPFamily) -> String { "\(tableFamily(family)) \(tableName)" }

    public func chain(named name: String) -> NftChain? { chains.first { $0.name == name } }
    public func set(named name: String) -> NftSet? { sets.first { $0.name == name } }
    public func map(named name: String) -> NftMap? { maps.first { $0.name == name } }
}
