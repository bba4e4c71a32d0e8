/// A range cluster IPs are allocated from (`networking.k8s.io/v1` ServiceCIDR). kube-proxy's
/// nftables mode drops traffic to an address in these ranges that is no Service's cluster IP.
public struct ServiceCIDR: Hashable, Sendable {
    public var metadata: ObjectMeta
    /// `spec.cidrs`: one range, or two of different families.
    public var cidrs: [IPPrefix]

    public init(metadata: ObjectMeta, cidrs: [IPPrefix]) {
        self.metadata = metadata
        self.cidrs = cidrs
    }
}
