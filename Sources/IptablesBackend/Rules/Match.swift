import ProxyCore
import ServiceModel

/// A conntrack state as `-m conntrack --ctstate` names it.
public enum ConntrackState: String, Hashable, Sendable, CaseIterable {
    case invalid = "INVALID"
    case new = "NEW"
    case established = "ESTABLISHED"
    case related = "RELATED"
    case untracked = "UNTRACKED"
    case snat = "SNAT"
    case dnat = "DNAT"
}

/// What a `-m recent` match does with the source address of a packet.
public enum RecentAction: Hashable, Sendable {
    /// `--set`: remember the source (and match).
    case set
    /// `--rcheck --seconds N --reap`: match if the source was remembered in the last N
    /// seconds; forget older entries.
    case check(seconds: Int)
}

/// One condition of a rule. The cases are the matches a service proxy writes; each is
/// rendered in kube-proxy's spelling and can be encoded as a kernel match.
///
/// The order of a rule's matches is the order they are written in, as in kube-proxy:
/// comment first, then `-m tcp -p tcp`, `-d`, `--dport`, and the rest.
public enum Match: Hashable, Sendable {
    /// `-m comment --comment <text>`; never changes which packets match.
    case comment(String)
    /// `-m tcp -p tcp` (or udp, sctp): the layer-4 protocol, whose match carries `--dport`.
    case `protocol`(L4Protocol)
    /// `[!] -s <address>`.
    case source(AddressMatch, negated: Bool = false)
    /// `[!] -d <address>`.
    case destination(AddressMatch, negated: Bool = false)
    /// `--dport <port>`: part of the preceding ``protocol(_:)`` match.
    case destinationPort(Int)
    /// `-m addrtype --src-type LOCAL`: the source is an address of this host.
    case sourceIsLocal
    /// `-m addrtype --dst-type LOCAL`: the destination is an address of this host.
    case destinationIsLocal
    /// `[!] -i <name>`; a name ending in `+` matches every interface with that prefix.
    case inInterface(String, negated: Bool = false)
    /// `-m mark [!] --mark value/mask`.
    case mark(PacketMark, negated: Bool = false)
    /// `-m conntrack [!] --ctstate A,B`.
    case conntrackState([ConntrackState], negated: Bool = false)
    /// `-m statistic --mode random --probability p`.
    case statistic(Probability)
    /// `-m recent --name <list> …`: ClientIP session affinity, one list per endpoint chain.
    case recent(name: ChainName, RecentAction)
}
