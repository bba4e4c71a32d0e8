import IptablesBackend
import ProxyCore
import ServiceModel

/// What a ``ProxyRuntime`` is told at start: the configuration, the node and the pacing.
public struct ProxyRuntimeOptions: Sendable {
    public var configuration: KubeProxyConfiguration
    /// The local node's name (`--hostname-override`, `hostnameOverride`, else the hostname).
    public var nodeName: String
    /// The node's IPs when they are given rather than read from its Node (`--node-ip`).
    public var nodeIPs: [IPAddress] = []
    /// The family to plan; `nil` takes the family of the node's first IP.
    public var ipFamily: IPFamily?
    /// How the iptables planner lays out KUBE-SERVICES (``RulePlanner/serviceDispatch``).
    public var serviceDispatch: ServiceDispatch = .linear
    public var host = HostFeatures()
    /// How ``host`` was found (``HostProbe/findings``), logged when the runtime starts.
    public var hostFindings: [String] = []
    /// Whether the runtime sets up the host before its first sync, as kube-proxy does
    /// (``RouteLocalnet``); off for runtimes that do not own the host, as in tests.
    public var configuresHost = false
    /// Whether stale UDP and SCTP flows are deleted from the connection tracking table
    /// after a sync that changed such service ports, and after every full sync, as
    /// kube-proxy does (``ConntrackCleanup``); off for runtimes whose rules live in another
    /// network namespace than this process, as in the benchmarks.
    public var cleansConntrack = false
    /// The shortest time between two syncs.
    public var minSyncPeriod: Duration
    /// How often every chain is compared with the kernel.
    public var syncPeriod: Duration
    /// How long to wait at start for the Node and its IPs (kube-proxy waits up to five
    /// minutes); zero plans at once with what is known, and fails without a node.
    public var nodeWaitTimeout: Duration = .zero

    public init(configuration: KubeProxyConfiguration, nodeName: String) {
        self.configuration = configuration
        self.nodeName = nodeName
        minSyncPeriod = configuration.minSyncPeriod
        syncPeriod = configuration.syncPeriod
    }

    /// The planner settings for the node as now known, or `nil` while it is unknown (no
    /// Node and no given IPs), or has no IPs yet and `waitForIPs` is set.
    public func settings(for node: Node?, waitForIPs: Bool) -> ProxySettings? {
        var proxyNode: ProxyNode
        if let node {
            proxyNode = ProxyNode(node)
            if !nodeIPs.isEmpty { proxyNode.addresses = nodeIPs }
        } else if !nodeIPs.isEmpty {
            proxyNode = ProxyNode(name: nodeName, addresses: nodeIPs)
        } else {
            return nil
        }
        if proxyNode.addresses.isEmpty && waitForIPs { return nil }
        let family = ipFamily ?? proxyNode.addresses.first?.family ?? .ipv4
        return ProxySettings(configuration: configuration, node: proxyNode, family: family, host: host)
    }
}
