import ServiceModel

/// The address part of a source or destination match (iptables `-s`/`-d`, nftables
/// `ip saddr`/`ip daddr`): one host, written bare (`10.244.1.5`), or a network, written with
/// its length (`10.244.0.0/16`, `::1/128`). Both select the same packets as the equivalent
/// prefix; the distinction only keeps kube-proxy's spelling.
public enum AddressMatch: Hashable, Sendable, CustomStringConvertible {
    case host(IPAddress)
    case network(IPPrefix)

    /// The range of addresses matched.
    public var prefix: IPPrefix {
        switch self {
        case .host(let address):
            return IPPrefix(host: address)
        case .network(let prefix):
            return prefix
        }
    }

    public var description: String {
        switch self {
        case .host(let address): return address.description
        case .network(let prefix): return prefix.description
        }
    }
}
