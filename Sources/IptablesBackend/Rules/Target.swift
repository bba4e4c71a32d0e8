import ServiceModel

/// What a rule does with a packet that matches. A rule without a target (a comment-only
/// rule) does nothing and evaluation goes on with the next rule.
public enum Target: Hashable, Sendable {
    /// `-j <chain>`: evaluate the chain, then come back unless it decided.
    case jump(ChainName)
    /// `-j ACCEPT`.
    case accept
    /// `-j DROP`.
    case drop
    /// `-j REJECT` with the default reply (ICMP port unreachable): the client sees
    /// "connection refused" at once.
    case reject
    /// `-j RETURN`: leave this chain.
    case `return`
    /// `-j DNAT --to-destination ip:port` (`[ip]:port` for IPv6).
    case dnat(IPAddress, port: Int)
    /// `-j MARK --or-mark <bits>`.
    case orMark(UInt32)
    /// `-j MARK --xor-mark <bits>`.
    case xorMark(UInt32)
    /// `-j MASQUERADE [--random-fully]`.
    case masquerade(randomFully: Bool)

    /// The chain this target evaluates, if it is a jump.
    public var jumpedChain: ChainName? {
        if case .jump(let chain) = self { return chain }
        return nil
    }
}
