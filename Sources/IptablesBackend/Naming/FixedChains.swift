extension ChainName {
    /// nat and filter: per-service capture rules; hooked from PREROUTING and OUTPUT (nat),
    /// FORWARD and OUTPUT (filter).
    public static let services = ChainName(trusted: "KUBE-SERVICES")
    /// filter: rejects and drops for external IPs, load balancer IPs and NodePorts without
    /// usable endpoints; hooked from INPUT and FORWARD.
    public static let externalServices = ChainName(trusted: "KUBE-EXTERNAL-SERVICES")
    /// nat: one rule per NodePort, reached from the last rule of nat KUBE-SERVICES.
    /// filter: accepts health-check node ports; hooked from INPUT.
    public static let nodePorts = ChainName(trusted: "KUBE-NODEPORTS")
    /// nat: masquerades packets carrying the mark; hooked from POSTROUTING.
    public static let postrouting = ChainName(trusted: "KUBE-POSTROUTING")
    /// nat: sets the masquerade mark.
    public static let markMasquerade = ChainName(trusted: "KUBE-MARK-MASQ")
    /// filter: lets marked and established forwarded traffic through; hooked from FORWARD.
    public static let forward = ChainName(trusted: "KUBE-FORWARD")
    /// filter: drops load balancer traffic that KUBE-FW did not let through.
    public static let proxyFirewall = ChainName(trusted: "KUBE-PROXY-FIREWALL")
    /// filter: blocks martian packets to 127.0.0.0/8 when NodePorts answer on localhost.
    public static let firewall = ChainName(trusted: "KUBE-FIREWALL")

    /// Our flush detector: an empty chain in each table. If it is gone, someone flushed the
    /// table, and the next sync rewrites everything.
    public static let canary = ChainName(trusted: "KPROXY-CANARY")

    /// The fixed chains we write, and the canary.
    public static let fixed: [ChainName] = [
        .services, .externalServices, .nodePorts, .postrouting, .markMasquerade, .forward, .proxyFirewall, .firewall, .canary,
    ]

    /// The prefixes of per-service chains, named by the hash, and of tree-dispatch chains.
    static let perServicePrefixes = [
        "KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-FW-", "KUBE-SEP-", DispatchTree.chainPrefix.description,
    ]

    /// Whether this is a per-service chain (KUBE-SVC/SVL/EXT/FW/SEP-…, named by the hash) or
    /// a tree-dispatch chain (KPROXY-SVCS-…): the chains that come and go with services.
    public var isServiceChain: Bool { Self.isServiceChain(description) }

    /// Whether a chain of this name is a per-service chain: one the plan does not hold is
    /// stale, and a full sync deletes it.
    public static func isServiceChain(_ name: String) -> Bool {
        perServicePrefixes.contains(where: name.hasPrefix)
    }

    /// Whether a chain of this name is ours: a fixed chain, the canary or a per-service chain.
    /// `cleanup` removes exactly these (and our jumps from the built-in chains).
    public static func isOwned(_ name: String) -> Bool {
        isServiceChain(name) || fixed.contains { $0.description == name }
    }
}
