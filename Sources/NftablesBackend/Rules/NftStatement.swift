import ServiceModel

/// What a rule does when its conditions hold, as kube-proxy's nftables mode writes it.
public enum NftStatement: Hashable, Sendable {
    /// `jump X`, `goto X`, `return`, `drop`, `reject`.
    case verdict(NftVerdict)
    /// `ip daddr . meta l4proto . th dport vmap @map`: dispatch on destination, protocol and
    /// port.
    case destinationMap(String)
    /// `meta l4proto . th dport vmap @map`: dispatch on protocol and port.
    case portMap(String)
    /// `numgen random mod N vmap { 0 : goto A , 1 : goto B }`: one of the chains, each as
    /// likely as the others.
    case randomChain([String])
    /// `mark set mark or 0x4000`.
    case setMark(UInt32)
    /// `mark set mark xor 0x4000`.
    case toggleMark(UInt32)
    /// `masquerade fully-random`.
    case masquerade(fullyRandom: Bool)
    /// `meta l4proto tcp dnat to 10.180.0.1:80`.
    case dnat(L4Protocol, IPAddress, Int)
    /// `update @affinity-X { ip saddr }`: remember the source in a timeout set.
    case rememberSource(inSet: String)
}

/// A verdict: of a rule, of a verdict map element, of a `numgen` choice.
public enum NftVerdict: Hashable, Sendable {
    case jump(String)
    case goto(String)
    case `return`
    case drop
    case reject
    case accept

    /// The chain it continues in, if any.
    public var chain: String? {
        switch self {
        case .jump(let chain), .goto(let chain): chain
        case .return, .drop, .reject, .accept: nil
        }
    }
}
