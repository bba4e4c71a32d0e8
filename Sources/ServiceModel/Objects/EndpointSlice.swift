/// A discovery.k8s.io/v1 EndpointSlice.
public struct EndpointSlice: Hashable, Sendable {
    public enum AddressType: String, Hashable, Sendable, CaseIterable {
        case ipv4 = "IPv4"
        case ipv6 = "IPv6"
        case fqdn = "FQDN"

        /// The IP family of the addresses, `nil` for FQDN slices (which proxies ignore).
        public var family: IPFamily? {
            switch self {
            case .ipv4: return .ipv4
            case .ipv6: return .ipv6
            case .fqdn: return nil
            }
        }
    }

    public var metadata: ObjectMeta
    public var addressType: AddressType
    public var endpoints: [Endpoint]
    public var ports: [EndpointPort]

    public init(metadata: ObjectMeta, addressType: AddressType, endpoints: [Endpoint] = [], ports: [EndpointPort] = []) {
        self.metadata = metadata
        self.addressType = addressType
        self.endpoints = endpoints
        self.ports = ports
    }

    /// The Service this slice belongs to (its `kubernetes.io/service-name` label).
    public var serviceName: NamespacedName? {
        guard let name = metadata.labels[WellKnownLabel.serviceName], !name.isEmpty else { return nil }
        return NamespacedName(namespace: metadata.namespace, name: name)
    }

    /// Whether a proxy reads this slice: it names its Service and carries neither the
    /// `service-proxy-name` nor the `headless` label (kube-proxy's slice selector).
    public var isProxied: Bool {
        serviceName != nil && metadata.labels[WellKnownLabel.serviceProxyName] == nil
            && metadata.labels[WellKnownLabel.headless] == nil
    }
}

/// One endpoint of an EndpointSlice.
public struct Endpoint: Hashable, Sendable {
    /// Addresses as written; a proxy uses the first (IP slices hold IPs, FQDN slices names).
    public var addresses: [String]
    public var conditions: EndpointConditions
    public var nodeName: String?
    public var zone: String?
    public var hints: EndpointHints?
    public var hostname: String?

    public init(addresses: [String], conditions: EndpointConditions = EndpointConditions(), nodeName: String? = nil,
                zone: String? = nil, hints: EndpointHints? = nil, hostname: String? = nil) {
        self.addresses = addresses
        self.conditions = conditions
        self.nodeName = nodeName
        self.zone = zone
        self.hints = hints
        self.hostname = hostname
    }
}

/// An endpoint's conditions as written; `nil` means unknown. Proxies read an unknown
/// `ready` or `serving` as true and an unknown `terminating` as false.
public struct EndpointConditions: Hashable, Sendable {
    public var ready: Bool?
    public var serving: Bool?
    public var terminating: Bool?

    public init(ready: Bool? = nil, serving: Bool? = nil, terminating: Bool? = nil) {
        self.ready = ready
        self.serving = serving
        self.terminating = terminating
    }

    public var isReady: Bool { ready ?? true }
    public var isServing: Bool { serving ?? true }
    public var isTerminating: Bool { terminating ?? false }
}

/// Topology hints written by the EndpointSlice controller.
public struct EndpointHints: Hashable, Sendable {
    public var forZones: [String]
    public var forNodes: [String]

    public init(forZones: [String] = [], forNodes: [String] = []) {
        self.forZones = forZones
        self.forNodes = forNodes
    }
}

/// One port of an EndpointSlice.
public struct EndpointPort: Hashable, Sendable {
    /// The name of the Service port this serves (empty for an unnamed Service port).
    public var name: String
    public var `protocol`: L4Protocol
    /// The port number; `nil` means "all ports", which proxies ignore.
    public var port: Int?
    public var appProtocol: String?

    public init(name: String = "", protocol: L4Protocol = .tcp, port: Int?, appProtocol: String? = nil) {
        self.name = name
        self.protocol = `protocol`
        self.port = port
        self.appProtocol = appProtocol
    }
}
