/// What a host decides rather than the configuration: kube-proxy probes these at start-up
/// (``HostProbe``); the defaults are those of a current host.
public struct HostFeatures: Hashable, Sendable {
    /// Write `--ctstate INVALID -j DROP` in KUBE-FORWARD (kube-proxy skips it when the
    /// `nf_conntrack_tcp_be_liberal` sysctl is set).
    public var dropInvalidConntrack: Bool
    /// Add `--random-fully` to MASQUERADE (iptables 1.6.2 and later).
    public var masqueradeRandomFully: Bool

    public init(dropInvalidConntrack: Bool = true, masqueradeRandomFully: Bool = true) {
        self.dropInvalidConntrack = dropInvalidConntrack
        self.masqueradeRandomFully = masqueradeRandomFully
    }
}
