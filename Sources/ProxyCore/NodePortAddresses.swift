import ServiceModel

/// Which node addresses accept NodePort traffic (`nodePortAddresses` resolved for one family).
public enum NodePortAddresses: Hashable, Sendable {
    /// Every local address (iptables: `-m addrtype --dst-type LOCAL`; nftables:
    /// `fib daddr type local`).
    case all
    /// Only these addresses (iptables: one `-d <ip>` rule each; nftables: the
    /// `nodeport-ips` set).
    case only([IPAddress])
}
