/// Everything read from a set of manifest files, every object valid.
public struct Manifests: Sendable {
    public var services: [Service] = []
    public var endpointSlices: [EndpointSlice] = []
    public var endpoints: [Endpoints] = []
    public var nodes: [Node] = []
    public var ingresses: [Ingress] = []
    public var ingressClasses: [IngressClass] = []
    public var serviceCIDRs: [ServiceCIDR] = []
    /// Secrets, with only their TLS certificate and key kept (``Secret``).
    public var secrets: [Secret] = []
    /// KubeProxyConfiguration objects found among the manifests, with the file each came from.
    public var configurations: [(file: String, configuration: KubeProxyConfiguration)] = []
    /// Objects of kinds this library does not read, counted by kind.
    public var skippedKinds: [String: Int] = [:]
    /// Unknown fields and kinds that look misspelled (``ManifestWarning``).
    public var warnings: [ManifestWarning] = []

    public init() {}

    /// Whether no object of a kind a proxy reads was found (a configuration aside).
    public var holdsNoObjects: Bool {
        services.isEmpty && endpointSlices.isEmpty && endpoints.isEmpty && nodes.isEmpty && ingresses.isEmpty
            && ingressClasses.isEmpty && serviceCIDRs.isEmpty && secrets.isEmpty
    }

    /// Objects read per kind, skipped kinds included.
    public var countsByKind: [String: Int] {
        var counts = skippedKinds
        let read: [(String, Int)] = [
            ("Service", services.count), ("EndpointSlice", endpointSlices.count), ("Endpoints", endpoints.count),
            ("Node", nodes.count), ("Ingress", ingresses.count), ("IngressClass", ingressClasses.count),
            ("ServiceCIDR", serviceCIDRs.count), ("Secret", secrets.count),
            ("KubeProxyConfiguration", configurations.count),
        ]
        for (kind, count) in read where count > 0 { counts[kind, default: 0] += count }
        return counts
    }

    /// The Node with this name.
    public func node(named name: String) -> Node? {
        nodes.first { $0.metadata.name == name }
    }

    /// Adds one decoded object to the list of its kind.
    public mutating func append(_ object: KubernetesObject) {
        switch object {
        case .service(let service): services.append(service)
        case .endpointSlice(let slice): endpointSlices.append(slice)
        case .endpoints(let endpoints): self.endpoints.append(endpoints)
        case .node(let node): nodes.append(node)
        case .ingress(let ingress): ingresses.append(ingress)
        case .ingressClass(let ingressClass): ingressClasses.append(ingressClass)
        case .serviceCIDR(let serviceCIDR): serviceCIDRs.append(serviceCIDR)
        case .secret(let secret): secrets.append(secret)
        }
    }

    mutating func append(contentsOf other: Manifests) {
        services += other.services
        endpointSlices += other.endpointSlices
        endpoints += other.endpoints
        nodes += other.nodes
        ingresses += other.ingresses
        ingressClasses += other.ingressClasses
        serviceCIDRs += other.serviceCIDRs
        secrets += other.secrets
        configurations += other.configurations
        for (kind, count) in other.skippedKinds { skippedKinds[kind, default: 0] += count }
        warnings += other.warnings
    }
}
