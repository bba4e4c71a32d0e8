import ProxyCore
import ServiceModel

/// One condition of a rule, as kube-proxy's nftables mode writes them.
public enum NftMatch: Hashable, Sendable {
    /// `ct state new`: the first packet of a connection.
    case connectionIsNew
    /// `ip daddr …` (`ip6 daddr` in IPv6).
    case destination(NftAddressTest)
    /// `ip saddr …`.
    case source(NftAddressTest)
    /// `iifname "cbr0"`, `iifname != "veth*"` (a trailing `*` matches any rest).
    case inInterface(String, negated: Bool = false)
    /// `tcp dport 80`.
    case destinationPort(L4Protocol, Int)
    /// `fib daddr type local`: addressed to this host.
    case destinationIsLocal
    /// `fib saddr type local`: sent from this host.
    case sourceIsLocal
    /// `mark and 0x4000 == 0`: none of these mark bits set.
    case markClear(UInt32)
}

/// An address test of ``NftMatch/source(_:)`` or ``NftMatch/destination(_:)``.
public struct NftAddressTest: Hashable, Sendable {
    public enum Operand: Hashable, Sendable {
        /// `10.0.0.0/8`, `10.180.0.1`.
        case address(AddressMatch)
        /// `{ 203.0.113.0/25, 1.2.3.4 }`.
        case anonymousSet([AddressMatch])
        /// `@cluster-ips`.
        case namedSet(String)
    }

    public var operand: Operand
    /// `!=`: the address is not (in) the operand.
    public var negated: Bool

    public init(_ operand: Operand, negated: Bool = false) {
        self.operand = operand
        self.negated = negated
    }

    public static func equal(_ address: AddressMatch) -> Self { Self(.address(address)) }
    public static func notEqual(_ address: AddressMatch) -> Self { Self(.address(address), negated: true) }
    public static func inSet(_ name: String) -> Self { Self(.namedSet(name)) }
}
