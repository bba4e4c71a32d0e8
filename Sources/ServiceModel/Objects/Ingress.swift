/// A networking.k8s.io/v1 Ingress.
public struct Ingress: Hashable, Sendable {
    public var metadata: ObjectMeta
    public var ingressClassName: String?
    public var defaultBackend: IngressBackend?
    public var tls: [IngressTLS]
    public var rules: [IngressRule]

    public init(metadata: ObjectMeta, ingressClassName: String? = nil, defaultBackend: IngressBackend? = nil,
                tls: [IngressTLS] = [], rules: [IngressRule] = []) {
        self.metadata = metadata
        self.ingressClassName = ingressClassName
        self.defaultBackend = defaultBackend
        self.tls = tls
        self.rules = rules
    }

    /// The class this Ingress asks for: `spec.ingressClassName`, or the legacy
    /// `kubernetes.io/ingress.class` annotation.
    public var requestedClass: String? {
        ingressClassName ?? metadata.annotations[WellKnownLabel.legacyIngressClass]
    }
}

/// One `spec.tls` entry.
public struct IngressTLS: Hashable, Sendable {
    public var hosts: [String]
    public var secretName: String?

    public init(hosts: [String] = [], secretName: String? = nil) {
        self.hosts = hosts
        self.secretName = secretName
    }
}

/// One `spec.rules` entry: an optional host (exact or `*.` wildcard) and its HTTP paths.
public struct IngressRule: Hashable, Sendable {
    /// The host; `nil` matches every host.
    public var host: String?
    public var paths: [IngressPath]

    public init(host: String? = nil, paths: [IngressPath] = []) {
        self.host = host
        self.paths = paths
    }
}

/// One HTTP path of a rule.
public struct IngressPath: Hashable, Sendable {
    public enum PathType: String, Hashable, Sendable, CaseIterable {
        case exact = "Exact"
        case prefix = "Prefix"
        /// Left to the controller; this library matches it like Prefix.
        case implementationSpecific = "ImplementationSpecific"
    }

    public var path: String
    public var pathType: PathType
    public var backend: IngressBackend

    public init(path: String = "/", pathType: PathType, backend: IngressBackend) {
        self.path = path
        self.pathType = pathType
        self.backend = backend
    }
}

/// Where a request goes: a Service port, or another resource.
public enum IngressBackend: Hashable, Sendable, CustomStringConvertible {
    case service(name: String, port: ServiceBackendPort)
    case resource(apiGroup: String?, kind: String, name: String)

    public var description: String {
        switch self {
        case .service(let name, let port): return "service \(name):\(port)"
        case .resource(let group, let kind, let name):
            return "resource \(group.map { "\($0)/" } ?? "")\(kind) \(name)"
        }
    }
}

/// A Service backend's port: a number or the Service port's name.
public enum ServiceBackendPort: Hashable, Sendable, CustomStringConvertible {
    case number(Int)
    case name(String)

    public var description: String {
        switch self {
        case .number(let number): return String(number)
        case .name(let name): return name
        }
    }
}

/// A networking.k8s.io/v1 IngressClass.
public struct IngressClass: Hashable, Sendable {
    public var metadata: ObjectMeta
    public var controller: String

    public init(metadata: ObjectMeta, controller: String) {
        self.metadata = metadata
        self.controller = controller
    }

    /// Marked as the cluster's default class.
    public var isDefault: Bool { metadata.annotations[WellKnownLabel.defaultIngressClass] == "true" }
}
