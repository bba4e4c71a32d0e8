/// One endpoint of one service port after the join: an address and port, its conditions,
/// its node and zone, and its topology hints.
public struct ServiceEndpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: Int
    public var isReady: Bool
    public var isServing: Bool
    public var isTerminating: Bool
    public var nodeName: String?
    public var zone: String?
    /// Zones this endpoint is hinted for; `nil` when the endpoint has no zone hints.
    public var zoneHints: [String]?
    /// Nodes this endpoint is hinted for; `nil` when the endpoint has no node hints.
    public var nodeHints: [String]?
    /// `ip:port`, or `[ip]:port` for IPv6: the endpoint's identity and sort key.
    public let description: String

    /// Whether traffic may be sent to it: ready, or serving while terminating (kube-proxy's
    /// fallback when nothing is ready). A service port none of whose endpoints can serve has
    /// "no endpoints": its traffic is rejected.
    public var canServe: Bool { isReady || (isServing && isTerminating) }

    public init(address: IPAddress, port: Int, isReady: Bool = true, isServing: Bool = true,
                isTerminating: Bool = false, nodeName: String? = nil, zone: String? = nil,
                zoneHints: [String]? = nil, nodeHints: [String]? = nil) {
        self.address = address
        self.port = port
        self.isReady = isReady
        self.isServing = isServing
        self.isTerminating = isTerminating
        self.nodeName = nodeName
        self.zone = zone
        self.zoneHints = zoneHints
        self.nodeHints = nodeHints
        description = address.withPort(port)
    }

    /// Ordered as kube-proxy orders endpoints: by their `ip:port` text.
    public static func < (lhs: ServiceEndpoint, rhs: ServiceEndpoint) -> Bool {
        lhs.description < rhs.description
    }
}
