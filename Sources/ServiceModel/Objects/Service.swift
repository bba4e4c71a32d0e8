/// A v1 Service: the fields a service proxy reads.
public struct Service: Hashable, Sendable {
    public enum ServiceType: String, Hashable, Sendable, CaseIterable {
        case clusterIP = "ClusterIP"
        case nodePort = "NodePort"
        case loadBalancer = "LoadBalancer"
        case externalName = "ExternalName"
    }

    public enum IPFamilyPolicy: String, Hashable, Sendable, CaseIterable {
        case singleStack = "SingleStack"
        case preferDualStack = "PreferDualStack"
        case requireDualStack = "RequireDualStack"
    }

    /// `externalTrafficPolicy` and `internalTrafficPolicy`.
    public enum TrafficPolicy: String, Hashable, Sendable, CaseIterable {
        case cluster = "Cluster"
        case local = "Local"
    }

    public enum SessionAffinity: Hashable, Sendable {
        case none
        /// ClientIP affinity, remembered for this many seconds (default 10800).
        case clientIP(timeoutSeconds: Int)

        public static let defaultTimeoutSeconds = 10800
    }

    public enum TrafficDistribution: String, Hashable, Sendable, CaseIterable {
        case preferClose = "PreferClose"
        case preferSameZone = "PreferSameZone"
        case preferSameNode = "PreferSameNode"
    }

    public var metadata: ObjectMeta
    public var type: ServiceType
    /// The cluster IPs, primary first (`spec.clusterIPs`, or `spec.clusterIP` alone).
    public var clusterIPs: [IPAddress]
    /// `clusterIP: None`.
    public var isHeadless: Bool
    public var ipFamilies: [IPFamily]
    public var ipFamilyPolicy: IPFamilyPolicy?
    public var ports: [ServicePort]
    public var selector: [String: String]?
    public var externalIPs: [IPAddress]
    public var externalName: String?
    public var loadBalancerIngress: [LoadBalancerIngress]
    public var loadBalancerSourceRanges: [IPPrefix]
    public var sessionAffinity: SessionAffinity
    /// Set (defaulted to Cluster) for externally accessible services, `nil` otherwise.
    public var externalTrafficPolicy: TrafficPolicy?
    public var internalTrafficPolicy: TrafficPolicy
    public var healthCheckNodePort: Int?
    public var trafficDistribution: TrafficDistribution?

    public init(metadata: ObjectMeta, type: ServiceType = .clusterIP, clusterIPs: [IPAddress] = [],
                isHeadless: Bool = false, ipFamilies: [IPFamily] = [], ipFamilyPolicy: IPFamilyPolicy? = nil,
                ports: [ServicePort] = [], selector: [String: String]? = nil, externalIPs: [IPAddress] = [],
                externalName: String? = nil, loadBalancerIngress: [LoadBalancerIngress] = [],
                loadBalancerSourceRanges: [IPPrefix] = [], sessionAffinity: SessionAffinity = .none,
                externalTrafficPolicy: TrafficPolicy? = nil, internalTrafficPolicy: TrafficPolicy = .cluster,
                healthCheckNodePort: Int? = nil, trafficDistribution: TrafficDistribution? = nil) {
        self.metadata = metadata
        self.type = type
        self.clusterIPs = clusterIPs
        self.isHeadless = isHeadless
        self.ipFamilies = ipFamilies
        self.ipFamilyPolicy = ipFamilyPolicy
        self.ports = ports
        self.selector = selector
        self.externalIPs = externalIPs
        self.externalName = externalName
        self.loadBalancerIngress = loadBalancerIngress
        self.loadBalancerSourceRanges = loadBalancerSourceRanges
        self.sessionAffinity = sessionAffinity
        self.externalTrafficPolicy = externalTrafficPolicy
        self.internalTrafficPolicy = internalTrafficPolicy
        self.healthCheckNodePort = healthCheckNodePort
        self.trafficDistribution = trafficDistribution
    }

    public var namespacedName: NamespacedName {
        metadata.namespacedName
    }

    /// The `service.kubernetes.io/service-proxy-name` label: set means another proxy owns it.
    public var serviceProxyName: String? { metadata.labels[WellKnownLabel.serviceProxyName] }

    /// NodePort and LoadBalancer services, and ClusterIP services with external IPs: the
    /// services for which `externalTrafficPolicy` applies.
    public var isExternallyAccessible: Bool {
        type == .nodePort || type == .loadBalancer || (type == .clusterIP && !externalIPs.isEmpty)
    }

    /// The cluster IP of one family, if the service has one.
    public func clusterIP(for family: IPFamily) -> IPAddress? {
        clusterIPs.first { $0.family == family }
    }

    /// Whether a proxy writes rules for this Service: not ExternalName, not headless (by
    /// `clusterIP: None` or the headless label), no cluster IP missing, and not handed to
    /// another proxy through `service-proxy-name`.
    public var isProxied: Bool { ServiceCatalog.skipReason(self) == nil }
}

/// One port of a Service.
public struct ServicePort: Hashable, Sendable {
    /// The port's name; empty for the only port of a single-port service.
    public var name: String
    public var `protocol`: L4Protocol
    public var port: Int
    public var targetPort: TargetPort
    public var nodePort: Int?
    public var appProtocol: String?

    public init(name: String = "", protocol: L4Protocol = .tcp, port: Int, targetPort: TargetPort? = nil,
                nodePort: Int? = nil, appProtocol: String? = nil) {
        self.name = name
        self.protocol = `protocol`
        self.port = port
        self.targetPort = targetPort ?? .number(port)
        self.nodePort = nodePort
        self.appProtocol = appProtocol
    }
}

/// A Service port's `targetPort`: a number, or the name of a container port.
public enum TargetPort: Hashable, Sendable, CustomStringConvertible {
    case number(Int)
    case name(String)

    public var description: String {
        switch self {
        case .number(let number): return String(number)
        case .name(let name): return name
        }
    }
}

/// One entry of `status.loadBalancer.ingress`.
public struct LoadBalancerIngress: Hashable, Sendable {
    public enum IPMode: String, Hashable, Sendable, CaseIterable {
        /// Traffic arrives with the load balancer's IP as destination: the node must capture it.
        case vip = "VIP"
        /// The load balancer proxies to the node: no rule for this IP.
        case proxy = "Proxy"
    }

    public var ip: IPAddress?
    public var hostname: String?
    public var ipMode: IPMode?

    public init(ip: IPAddress? = nil, hostname: String? = nil, ipMode: IPMode? = nil) {
        self.ip = ip
        self.hostname = hostname
        self.ipMode = ipMode
    }
}
